// Generated from spotguardfallbackevent.crd.yaml by crds/generate.ts (npm run generate). Do not edit.
import ucs2lengthModule0 from 'ajv/dist/runtime/ucs2length.js';
import formatsModule1 from 'ajv-formats/dist/formats.js';
export const validate = validate10;
export default validate10;
const schema11 = {"type":"object","description":"A fallback from spot to on-demand capacity, tracked until the on-demand node is scaled down.","required":["spec"],"properties":{"apiVersion":{"type":"string"},"kind":{"type":"string"},"metadata":{"type":"object"},"spec":{"title":"FallbackEventSpec","type":"object","description":"What happened. Written once by the agent that fell back; immutable.","required":["spotASGName","onDemandASGName","onDemandNodeName","timestamp"],"properties":{"spotASGName":{"type":"string","description":"Name of the spot Auto Scaling Group","minLength":1,"maxLength":255,"pattern":"^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$"},"onDemandASGName":{"type":"string","description":"Name of the on-demand Auto Scaling Group","minLength":1,"maxLength":255,"pattern":"^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$"},"onDemandInstanceID":{"type":"string","description":"EC2 instance ID of the on-demand node","pattern":"^i-[0-9a-f]{8,17}$"},"onDemandNodeName":{"type":"string","description":"Kubernetes node name of the on-demand node","minLength":1,"maxLength":253,"pattern":"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},"timestamp":{"type":"string","format":"date-time","description":"When the fallback occurred"},"minimumWaitDuration":{"type":"string","description":"Minimum wait time before scale-down, as hours, minutes and seconds (10m, 1h30m, 90s)","maxLength":32,"pattern":"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"}}},"status":{"title":"FallbackEventStatus","type":"object","description":"What the agents have observed and done. Written only through the status subresource.","default":{},"properties":{"spotCapacityRestored":{"type":"boolean","default":false,"description":"Whether spot capacity is restored"},"scaleDownInitiated":{"type":"boolean","default":false,"description":"Whether scale-down has been initiated"},"spotHealthySince":{"type":"string","format":"date-time","description":"When spot became healthy"},"phase":{"type":"string","default":"Pending","enum":["Pending","Monitoring","ReadyForScaleDown","ScalingDown","Completed","Failed"],"description":"Current phase of the fallback event"},"message":{"type":"string","description":"Human-readable status message","maxLength":1024},"claim":{"title":"Claim","type":"object","description":"The agent that currently works on this event. Its heartbeat is the Lease spot-guard-claim-<event name> in the event's namespace (renewed every third of leaseSeconds); another agent may take over once neither renewedAt nor the Lease's renewTime is within leaseSeconds, or at once after releasedAt.","required":["holder","acquiredAt","renewedAt","leaseSeconds"],"properties":{"holder":{"type":"string","description":"Identity of the agent (its pod name)","minLength":1,"maxLength":253},"holderNode":{"type":"string","description":"Node the holding agent runs on","maxLength":253},"acquiredAt":{"type":"string","format":"date-time"},"renewedAt":{"type":"string","format":"date-time","description":"When the holder last wrote this status (it renews its claim in the Lease, not here)"},"releasedAt":{"type":"string","format":"date-time","description":"The holder gave the claim up (it was stopped); another agent takes over at once"},"leaseSeconds":{"type":"integer","minimum":1,"maximum":3600}}},"scaleDown":{"title":"ScaleDownProgress","type":"object","description":"Progress of the five scale-down steps, so another agent resumes at the right one.","properties":{"startedAt":{"type":"string","format":"date-time"},"taint":{"title":"ScaleDownStep","type":"object","description":"One scale-down step. A step with completedAt is never repeated.","properties":{"startedAt":{"type":"string","format":"date-time"},"completedAt":{"type":"string","format":"date-time"},"attempts":{"type":"integer","minimum":0},"nextAttemptAt":{"type":"string","format":"date-time","description":"After a failure that retrying can fix, when the step is tried again (the pause doubles with each failure, up to a cap); whichever agent holds the claim waits for it"},"by":{"type":"string","description":"The claim holder that ran the step","maxLength":253},"message":{"type":"string","maxLength":1024},"dryRun":{"type":"boolean","description":"The step was only logged, nothing was changed (the agent ran with SPOT_GUARD_DRY_RUN)"}}},"cordon":{"title":"ScaleDownStep","type":"object","description":"One scale-down step. A step with completedAt is never repeated.","properties":{"startedAt":{"type":"string","format":"date-time"},"completedAt":{"type":"string","format":"date-time"},"attempts":{"type":"integer","minimum":0},"nextAttemptAt":{"type":"string","format":"date-time","description":"After a failure that retrying can fix, when the step is tried again (the pause doubles with each failure, up to a cap); whichever agent holds the claim waits for it"},"by":{"type":"string","description":"The claim holder that ran the step","maxLength":253},"message":{"type":"string","maxLength":1024},"dryRun":{"type":"boolean","description":"The step was only logged, nothing was changed (the agent ran with SPOT_GUARD_DRY_RUN)"}}},"drain":{"title":"ScaleDownStep","type":"object","description":"One scale-down step. A step with completedAt is never repeated.","properties":{"startedAt":{"type":"string","format":"date-time"},"completedAt":{"type":"string","format":"date-time"},"attempts":{"type":"integer","minimum":0},"nextAttemptAt":{"type":"string","format":"date-time","description":"After a failure that retrying can fix, when the step is tried again (the pause doubles with each failure, up to a cap); whichever agent holds the claim waits for it"},"by":{"type":"string","description":"The claim holder that ran the step","maxLength":253},"message":{"type":"string","maxLength":1024},"dryRun":{"type":"boolean","description":"The step was only logged, nothing was changed (the agent ran with SPOT_GUARD_DRY_RUN)"}}},"waitForReschedule":{"title":"ScaleDownStep","type":"object","description":"One scale-down step. A step with completedAt is never repeated.","properties":{"startedAt":{"type":"string","format":"date-time"},"completedAt":{"type":"string","format":"date-time"},"attempts":{"type":"integer","minimum":0},"nextAttemptAt":{"type":"string","format":"date-time","description":"After a failure that retrying can fix, when the step is tried again (the pause doubles with each failure, up to a cap); whichever agent holds the claim waits for it"},"by":{"type":"string","description":"The claim holder that ran the step","maxLength":253},"message":{"type":"string","maxLength":1024},"dryRun":{"type":"boolean","description":"The step was only logged, nothing was changed (the agent ran with SPOT_GUARD_DRY_RUN)"}}},"terminate":{"title":"ScaleDownStep","type":"object","description":"One scale-down step. A step with completedAt is never repeated.","properties":{"startedAt":{"type":"string","format":"date-time"},"completedAt":{"type":"string","format":"date-time"},"attempts":{"type":"integer","minimum":0},"nextAttemptAt":{"type":"string","format":"date-time","description":"After a failure that retrying can fix, when the step is tried again (the pause doubles with each failure, up to a cap); whichever agent holds the claim waits for it"},"by":{"type":"string","description":"The claim holder that ran the step","maxLength":253},"message":{"type":"string","maxLength":1024},"dryRun":{"type":"boolean","description":"The step was only logged, nothing was changed (the agent ran with SPOT_GUARD_DRY_RUN)"}}},"rollback":{"title":"ScaleDownRollback","type":"object","description":"After a failure that retrying cannot fix, the undoing of what this event's scale-down did to the on-demand node (its scale-down taint, its cordon). Recorded before anything is undone, so whichever agent holds the claim finishes it; the event goes Failed once it is done.","required":["reason","requestedAt"],"properties":{"reason":{"type":"string","description":"Why the scale-down cannot go on; the Failed event's message","maxLength":1024},"requestedAt":{"type":"string","format":"date-time"},"completedAt":{"type":"string","format":"date-time"},"attempts":{"type":"integer","minimum":0},"nextAttemptAt":{"type":"string","format":"date-time","description":"After a failed attempt that retrying can fix, when the rollback is tried again"},"by":{"type":"string","description":"The claim holder that ran the rollback","maxLength":253},"untainted":{"type":"boolean","description":"Whether the rollback removed the scale-down taint that this event had put on the node"},"uncordoned":{"type":"boolean","description":"Whether the rollback uncordoned the node that this event had cordoned"},"message":{"type":"string","description":"What was undone, or why the last attempt failed","maxLength":1024}}},"evicted":{"type":"array","description":"The controllers whose pods the drain evicted, so that whichever agent waits for the reschedule knows which replacements to wait for. Pods without a controller and finished pods are not listed (nothing replaces them).","maxItems":256,"items":{"title":"EvictedPods","type":"object","required":["namespace","kind","name","uid","pods","since"],"properties":{"namespace":{"type":"string","maxLength":63},"kind":{"type":"string","description":"The controller's kind, e.g. ReplicaSet or StatefulSet","maxLength":63},"name":{"type":"string","maxLength":253},"uid":{"type":"string","description":"The controller's uid, as its pods' controller ownerReference names it","maxLength":64},"pods":{"type":"integer","description":"How many of its pods the drain evicted","minimum":1},"since":{"type":"string","format":"date-time","description":"When the drain that evicted them began, by the API server's clock; a pod of this controller created since then is a replacement"}}}}}},"spotHealth":{"title":"SpotHealth","type":"object","description":"The last observation of the spot ASG, written by the claim holder so other agents need not ask AWS.","required":["inService","desired","activitiesInProgress","observedAt"],"properties":{"inService":{"type":"integer","minimum":0},"desired":{"type":"integer","minimum":0},"activitiesInProgress":{"type":"integer","minimum":0},"nodesReady":{"type":"integer","minimum":0},"nodesTotal":{"type":"integer","minimum":0},"healthy":{"type":"boolean"},"observedAt":{"type":"string","format":"date-time"},"observedBy":{"type":"string","maxLength":253}}},"conditions":{"type":"array","maxItems":16,"items":{"title":"Condition","type":"object","required":["type","status","lastTransitionTime"],"properties":{"type":{"type":"string","maxLength":64},"status":{"type":"string","enum":["True","False","Unknown"]},"reason":{"type":"string","maxLength":128,"pattern":"^([A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?)?$"},"message":{"type":"string","maxLength":1024},"lastTransitionTime":{"type":"string","format":"date-time"}}}},"completionTime":{"type":"string","format":"date-time","description":"When the event reached Completed or Failed; the TTL counts from here."}}}}};
const func2 = ucs2lengthModule0.default;
const pattern0 = new RegExp("^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$", "u");
const pattern2 = new RegExp("^i-[0-9a-f]{8,17}$", "u");
const pattern3 = new RegExp("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", "u");
const pattern4 = new RegExp("^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$", "u");
const pattern5 = new RegExp("^([A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?)?$", "u");
const formats0 = formatsModule1.fullFormats["date-time"];

function validate10(data, {instancePath="", parentData, parentDataProperty, rootData=data}={}){
let vErrors = null;
let errors = 0;
if(data && typeof data == "object" && !Array.isArray(data)){
if(data.spec === undefined){
const err0 = {instancePath,schemaPath:"#/required",keyword:"required",params:{missingProperty: "spec"},message:"must have required property '"+"spec"+"'"};
if(vErrors === null){
vErrors = [err0];
}
else {
vErrors.push(err0);
}
errors++;
}
if(data.apiVersion !== undefined){
if(typeof data.apiVersion !== "string"){
const err1 = {instancePath:instancePath+"/apiVersion",schemaPath:"#/properties/apiVersion/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err1];
}
else {
vErrors.push(err1);
}
errors++;
}
}
if(data.kind !== undefined){
if(typeof data.kind !== "string"){
const err2 = {instancePath:instancePath+"/kind",schemaPath:"#/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err2];
}
else {
vErrors.push(err2);
}
errors++;
}
}
if(data.metadata !== undefined){
let data2 = data.metadata;
if(!(data2 && typeof data2 == "object" && !Array.isArray(data2))){
const err3 = {instancePath:instancePath+"/metadata",schemaPath:"#/properties/metadata/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err3];
}
else {
vErrors.push(err3);
}
errors++;
}
}
if(data.spec !== undefined){
let data3 = data.spec;
if(data3 && typeof data3 == "object" && !Array.isArray(data3)){
if(data3.spotASGName === undefined){
const err4 = {instancePath:instancePath+"/spec",schemaPath:"#/properties/spec/required",keyword:"required",params:{missingProperty: "spotASGName"},message:"must have required property '"+"spotASGName"+"'"};
if(vErrors === null){
vErrors = [err4];
}
else {
vErrors.push(err4);
}
errors++;
}
if(data3.onDemandASGName === undefined){
const err5 = {instancePath:instancePath+"/spec",schemaPath:"#/properties/spec/required",keyword:"required",params:{missingProperty: "onDemandASGName"},message:"must have required property '"+"onDemandASGName"+"'"};
if(vErrors === null){
vErrors = [err5];
}
else {
vErrors.push(err5);
}
errors++;
}
if(data3.onDemandNodeName === undefined){
const err6 = {instancePath:instancePath+"/spec",schemaPath:"#/properties/spec/required",keyword:"required",params:{missingProperty: "onDemandNodeName"},message:"must have required property '"+"onDemandNodeName"+"'"};
if(vErrors === null){
vErrors = [err6];
}
else {
vErrors.push(err6);
}
errors++;
}
if(data3.timestamp === undefined){
const err7 = {instancePath:instancePath+"/spec",schemaPath:"#/properties/spec/required",keyword:"required",params:{missingProperty: "timestamp"},message:"must have required property '"+"timestamp"+"'"};
if(vErrors === null){
vErrors = [err7];
}
else {
vErrors.push(err7);
}
errors++;
}
if(data3.spotASGName !== undefined){
let data4 = data3.spotASGName;
if(typeof data4 === "string"){
if(func2(data4) > 255){
const err8 = {instancePath:instancePath+"/spec/spotASGName",schemaPath:"#/properties/spec/properties/spotASGName/maxLength",keyword:"maxLength",params:{limit: 255},message:"must NOT have more than 255 characters"};
if(vErrors === null){
vErrors = [err8];
}
else {
vErrors.push(err8);
}
errors++;
}
if(func2(data4) < 1){
const err9 = {instancePath:instancePath+"/spec/spotASGName",schemaPath:"#/properties/spec/properties/spotASGName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err9];
}
else {
vErrors.push(err9);
}
errors++;
}
if(!pattern0.test(data4)){
const err10 = {instancePath:instancePath+"/spec/spotASGName",schemaPath:"#/properties/spec/properties/spotASGName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$"+"\""};
if(vErrors === null){
vErrors = [err10];
}
else {
vErrors.push(err10);
}
errors++;
}
}
else {
const err11 = {instancePath:instancePath+"/spec/spotASGName",schemaPath:"#/properties/spec/properties/spotASGName/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err11];
}
else {
vErrors.push(err11);
}
errors++;
}
}
if(data3.onDemandASGName !== undefined){
let data5 = data3.onDemandASGName;
if(typeof data5 === "string"){
if(func2(data5) > 255){
const err12 = {instancePath:instancePath+"/spec/onDemandASGName",schemaPath:"#/properties/spec/properties/onDemandASGName/maxLength",keyword:"maxLength",params:{limit: 255},message:"must NOT have more than 255 characters"};
if(vErrors === null){
vErrors = [err12];
}
else {
vErrors.push(err12);
}
errors++;
}
if(func2(data5) < 1){
const err13 = {instancePath:instancePath+"/spec/onDemandASGName",schemaPath:"#/properties/spec/properties/onDemandASGName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err13];
}
else {
vErrors.push(err13);
}
errors++;
}
if(!pattern0.test(data5)){
const err14 = {instancePath:instancePath+"/spec/onDemandASGName",schemaPath:"#/properties/spec/properties/onDemandASGName/pattern",keyword:"pattern",params:{pattern: "^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$"},message:"must match pattern \""+"^[A-Za-z0-9][A-Za-z0-9._:/@+=-]*$"+"\""};
if(vErrors === null){
vErrors = [err14];
}
else {
vErrors.push(err14);
}
errors++;
}
}
else {
const err15 = {instancePath:instancePath+"/spec/onDemandASGName",schemaPath:"#/properties/spec/properties/onDemandASGName/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err15];
}
else {
vErrors.push(err15);
}
errors++;
}
}
if(data3.onDemandInstanceID !== undefined){
let data6 = data3.onDemandInstanceID;
if(typeof data6 === "string"){
if(!pattern2.test(data6)){
const err16 = {instancePath:instancePath+"/spec/onDemandInstanceID",schemaPath:"#/properties/spec/properties/onDemandInstanceID/pattern",keyword:"pattern",params:{pattern: "^i-[0-9a-f]{8,17}$"},message:"must match pattern \""+"^i-[0-9a-f]{8,17}$"+"\""};
if(vErrors === null){
vErrors = [err16];
}
else {
vErrors.push(err16);
}
errors++;
}
}
else {
const err17 = {instancePath:instancePath+"/spec/onDemandInstanceID",schemaPath:"#/properties/spec/properties/onDemandInstanceID/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err17];
}
else {
vErrors.push(err17);
}
errors++;
}
}
if(data3.onDemandNodeName !== undefined){
let data7 = data3.onDemandNodeName;
if(typeof data7 === "string"){
if(func2(data7) > 253){
const err18 = {instancePath:instancePath+"/spec/onDemandNodeName",schemaPath:"#/properties/spec/properties/onDemandNodeName/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err18];
}
else {
vErrors.push(err18);
}
errors++;
}
if(func2(data7) < 1){
const err19 = {instancePath:instancePath+"/spec/onDemandNodeName",schemaPath:"#/properties/spec/properties/onDemandNodeName/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err19];
}
else {
vErrors.push(err19);
}
errors++;
}
if(!pattern3.test(data7)){
const err20 = {instancePath:instancePath+"/spec/onDemandNodeName",schemaPath:"#/properties/spec/properties/onDemandNodeName/pattern",keyword:"pattern",params:{pattern: "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"},message:"must match pattern \""+"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"+"\""};
if(vErrors === null){
vErrors = [err20];
}
else {
vErrors.push(err20);
}
errors++;
}
}
else {
const err21 = {instancePath:instancePath+"/spec/onDemandNodeName",schemaPath:"#/properties/spec/properties/onDemandNodeName/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err21];
}
else {
vErrors.push(err21);
}
errors++;
}
}
if(data3.timestamp !== undefined){
let data8 = data3.timestamp;
if(typeof data8 === "string"){
if(!(formats0.validate(data8))){
const err22 = {instancePath:instancePath+"/spec/timestamp",schemaPath:"#/properties/spec/properties/timestamp/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err22];
}
else {
vErrors.push(err22);
}
errors++;
}
}
else {
const err23 = {instancePath:instancePath+"/spec/timestamp",schemaPath:"#/properties/spec/properties/timestamp/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err23];
}
else {
vErrors.push(err23);
}
errors++;
}
}
if(data3.minimumWaitDuration !== undefined){
let data9 = data3.minimumWaitDuration;
if(typeof data9 === "string"){
if(func2(data9) > 32){
const err24 = {instancePath:instancePath+"/spec/minimumWaitDuration",schemaPath:"#/properties/spec/properties/minimumWaitDuration/maxLength",keyword:"maxLength",params:{limit: 32},message:"must NOT have more than 32 characters"};
if(vErrors === null){
vErrors = [err24];
}
else {
vErrors.push(err24);
}
errors++;
}
if(!pattern4.test(data9)){
const err25 = {instancePath:instancePath+"/spec/minimumWaitDuration",schemaPath:"#/properties/spec/properties/minimumWaitDuration/pattern",keyword:"pattern",params:{pattern: "^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"},message:"must match pattern \""+"^([0-9]+h([0-9]+m)?([0-9]+s)?|[0-9]+m([0-9]+s)?|[0-9]+s)$"+"\""};
if(vErrors === null){
vErrors = [err25];
}
else {
vErrors.push(err25);
}
errors++;
}
}
else {
const err26 = {instancePath:instancePath+"/spec/minimumWaitDuration",schemaPath:"#/properties/spec/properties/minimumWaitDuration/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err26];
}
else {
vErrors.push(err26);
}
errors++;
}
}
}
else {
const err27 = {instancePath:instancePath+"/spec",schemaPath:"#/properties/spec/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err27];
}
else {
vErrors.push(err27);
}
errors++;
}
}
if(data.status !== undefined){
let data10 = data.status;
if(data10 && typeof data10 == "object" && !Array.isArray(data10)){
if(data10.spotCapacityRestored !== undefined){
if(typeof data10.spotCapacityRestored !== "boolean"){
const err28 = {instancePath:instancePath+"/status/spotCapacityRestored",schemaPath:"#/properties/status/properties/spotCapacityRestored/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err28];
}
else {
vErrors.push(err28);
}
errors++;
}
}
if(data10.scaleDownInitiated !== undefined){
if(typeof data10.scaleDownInitiated !== "boolean"){
const err29 = {instancePath:instancePath+"/status/scaleDownInitiated",schemaPath:"#/properties/status/properties/scaleDownInitiated/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err29];
}
else {
vErrors.push(err29);
}
errors++;
}
}
if(data10.spotHealthySince !== undefined){
let data13 = data10.spotHealthySince;
if(typeof data13 === "string"){
if(!(formats0.validate(data13))){
const err30 = {instancePath:instancePath+"/status/spotHealthySince",schemaPath:"#/properties/status/properties/spotHealthySince/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err30];
}
else {
vErrors.push(err30);
}
errors++;
}
}
else {
const err31 = {instancePath:instancePath+"/status/spotHealthySince",schemaPath:"#/properties/status/properties/spotHealthySince/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err31];
}
else {
vErrors.push(err31);
}
errors++;
}
}
if(data10.phase !== undefined){
let data14 = data10.phase;
if(typeof data14 !== "string"){
const err32 = {instancePath:instancePath+"/status/phase",schemaPath:"#/properties/status/properties/phase/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err32];
}
else {
vErrors.push(err32);
}
errors++;
}
if(!((((((data14 === "Pending") || (data14 === "Monitoring")) || (data14 === "ReadyForScaleDown")) || (data14 === "ScalingDown")) || (data14 === "Completed")) || (data14 === "Failed"))){
const err33 = {instancePath:instancePath+"/status/phase",schemaPath:"#/properties/status/properties/phase/enum",keyword:"enum",params:{allowedValues: schema11.properties.status.properties.phase.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err33];
}
else {
vErrors.push(err33);
}
errors++;
}
}
if(data10.message !== undefined){
let data15 = data10.message;
if(typeof data15 === "string"){
if(func2(data15) > 1024){
const err34 = {instancePath:instancePath+"/status/message",schemaPath:"#/properties/status/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err34];
}
else {
vErrors.push(err34);
}
errors++;
}
}
else {
const err35 = {instancePath:instancePath+"/status/message",schemaPath:"#/properties/status/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err35];
}
else {
vErrors.push(err35);
}
errors++;
}
}
if(data10.claim !== undefined){
let data16 = data10.claim;
if(data16 && typeof data16 == "object" && !Array.isArray(data16)){
if(data16.holder === undefined){
const err36 = {instancePath:instancePath+"/status/claim",schemaPath:"#/properties/status/properties/claim/required",keyword:"required",params:{missingProperty: "holder"},message:"must have required property '"+"holder"+"'"};
if(vErrors === null){
vErrors = [err36];
}
else {
vErrors.push(err36);
}
errors++;
}
if(data16.acquiredAt === undefined){
const err37 = {instancePath:instancePath+"/status/claim",schemaPath:"#/properties/status/properties/claim/required",keyword:"required",params:{missingProperty: "acquiredAt"},message:"must have required property '"+"acquiredAt"+"'"};
if(vErrors === null){
vErrors = [err37];
}
else {
vErrors.push(err37);
}
errors++;
}
if(data16.renewedAt === undefined){
const err38 = {instancePath:instancePath+"/status/claim",schemaPath:"#/properties/status/properties/claim/required",keyword:"required",params:{missingProperty: "renewedAt"},message:"must have required property '"+"renewedAt"+"'"};
if(vErrors === null){
vErrors = [err38];
}
else {
vErrors.push(err38);
}
errors++;
}
if(data16.leaseSeconds === undefined){
const err39 = {instancePath:instancePath+"/status/claim",schemaPath:"#/properties/status/properties/claim/required",keyword:"required",params:{missingProperty: "leaseSeconds"},message:"must have required property '"+"leaseSeconds"+"'"};
if(vErrors === null){
vErrors = [err39];
}
else {
vErrors.push(err39);
}
errors++;
}
if(data16.holder !== undefined){
let data17 = data16.holder;
if(typeof data17 === "string"){
if(func2(data17) > 253){
const err40 = {instancePath:instancePath+"/status/claim/holder",schemaPath:"#/properties/status/properties/claim/properties/holder/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err40];
}
else {
vErrors.push(err40);
}
errors++;
}
if(func2(data17) < 1){
const err41 = {instancePath:instancePath+"/status/claim/holder",schemaPath:"#/properties/status/properties/claim/properties/holder/minLength",keyword:"minLength",params:{limit: 1},message:"must NOT have fewer than 1 characters"};
if(vErrors === null){
vErrors = [err41];
}
else {
vErrors.push(err41);
}
errors++;
}
}
else {
const err42 = {instancePath:instancePath+"/status/claim/holder",schemaPath:"#/properties/status/properties/claim/properties/holder/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err42];
}
else {
vErrors.push(err42);
}
errors++;
}
}
if(data16.holderNode !== undefined){
let data18 = data16.holderNode;
if(typeof data18 === "string"){
if(func2(data18) > 253){
const err43 = {instancePath:instancePath+"/status/claim/holderNode",schemaPath:"#/properties/status/properties/claim/properties/holderNode/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err43];
}
else {
vErrors.push(err43);
}
errors++;
}
}
else {
const err44 = {instancePath:instancePath+"/status/claim/holderNode",schemaPath:"#/properties/status/properties/claim/properties/holderNode/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err44];
}
else {
vErrors.push(err44);
}
errors++;
}
}
if(data16.acquiredAt !== undefined){
let data19 = data16.acquiredAt;
if(typeof data19 === "string"){
if(!(formats0.validate(data19))){
const err45 = {instancePath:instancePath+"/status/claim/acquiredAt",schemaPath:"#/properties/status/properties/claim/properties/acquiredAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err45];
}
else {
vErrors.push(err45);
}
errors++;
}
}
else {
const err46 = {instancePath:instancePath+"/status/claim/acquiredAt",schemaPath:"#/properties/status/properties/claim/properties/acquiredAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err46];
}
else {
vErrors.push(err46);
}
errors++;
}
}
if(data16.renewedAt !== undefined){
let data20 = data16.renewedAt;
if(typeof data20 === "string"){
if(!(formats0.validate(data20))){
const err47 = {instancePath:instancePath+"/status/claim/renewedAt",schemaPath:"#/properties/status/properties/claim/properties/renewedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err47];
}
else {
vErrors.push(err47);
}
errors++;
}
}
else {
const err48 = {instancePath:instancePath+"/status/claim/renewedAt",schemaPath:"#/properties/status/properties/claim/properties/renewedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err48];
}
else {
vErrors.push(err48);
}
errors++;
}
}
if(data16.releasedAt !== undefined){
let data21 = data16.releasedAt;
if(typeof data21 === "string"){
if(!(formats0.validate(data21))){
const err49 = {instancePath:instancePath+"/status/claim/releasedAt",schemaPath:"#/properties/status/properties/claim/properties/releasedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err49];
}
else {
vErrors.push(err49);
}
errors++;
}
}
else {
const err50 = {instancePath:instancePath+"/status/claim/releasedAt",schemaPath:"#/properties/status/properties/claim/properties/releasedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err50];
}
else {
vErrors.push(err50);
}
errors++;
}
}
if(data16.leaseSeconds !== undefined){
let data22 = data16.leaseSeconds;
if(!((typeof data22 == "number") && (!(data22 % 1) && !isNaN(data22)))){
const err51 = {instancePath:instancePath+"/status/claim/leaseSeconds",schemaPath:"#/properties/status/properties/claim/properties/leaseSeconds/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err51];
}
else {
vErrors.push(err51);
}
errors++;
}
if(typeof data22 == "number"){
if(data22 > 3600 || isNaN(data22)){
const err52 = {instancePath:instancePath+"/status/claim/leaseSeconds",schemaPath:"#/properties/status/properties/claim/properties/leaseSeconds/maximum",keyword:"maximum",params:{comparison: "<=", limit: 3600},message:"must be <= 3600"};
if(vErrors === null){
vErrors = [err52];
}
else {
vErrors.push(err52);
}
errors++;
}
if(data22 < 1 || isNaN(data22)){
const err53 = {instancePath:instancePath+"/status/claim/leaseSeconds",schemaPath:"#/properties/status/properties/claim/properties/leaseSeconds/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err53];
}
else {
vErrors.push(err53);
}
errors++;
}
}
}
}
else {
const err54 = {instancePath:instancePath+"/status/claim",schemaPath:"#/properties/status/properties/claim/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err54];
}
else {
vErrors.push(err54);
}
errors++;
}
}
if(data10.scaleDown !== undefined){
let data23 = data10.scaleDown;
if(data23 && typeof data23 == "object" && !Array.isArray(data23)){
if(data23.startedAt !== undefined){
let data24 = data23.startedAt;
if(typeof data24 === "string"){
if(!(formats0.validate(data24))){
const err55 = {instancePath:instancePath+"/status/scaleDown/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/startedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err55];
}
else {
vErrors.push(err55);
}
errors++;
}
}
else {
const err56 = {instancePath:instancePath+"/status/scaleDown/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/startedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err56];
}
else {
vErrors.push(err56);
}
errors++;
}
}
if(data23.taint !== undefined){
let data25 = data23.taint;
if(data25 && typeof data25 == "object" && !Array.isArray(data25)){
if(data25.startedAt !== undefined){
let data26 = data25.startedAt;
if(typeof data26 === "string"){
if(!(formats0.validate(data26))){
const err57 = {instancePath:instancePath+"/status/scaleDown/taint/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/startedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err57];
}
else {
vErrors.push(err57);
}
errors++;
}
}
else {
const err58 = {instancePath:instancePath+"/status/scaleDown/taint/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/startedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err58];
}
else {
vErrors.push(err58);
}
errors++;
}
}
if(data25.completedAt !== undefined){
let data27 = data25.completedAt;
if(typeof data27 === "string"){
if(!(formats0.validate(data27))){
const err59 = {instancePath:instancePath+"/status/scaleDown/taint/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/completedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err59];
}
else {
vErrors.push(err59);
}
errors++;
}
}
else {
const err60 = {instancePath:instancePath+"/status/scaleDown/taint/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/completedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err60];
}
else {
vErrors.push(err60);
}
errors++;
}
}
if(data25.attempts !== undefined){
let data28 = data25.attempts;
if(!((typeof data28 == "number") && (!(data28 % 1) && !isNaN(data28)))){
const err61 = {instancePath:instancePath+"/status/scaleDown/taint/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err61];
}
else {
vErrors.push(err61);
}
errors++;
}
if(typeof data28 == "number"){
if(data28 < 0 || isNaN(data28)){
const err62 = {instancePath:instancePath+"/status/scaleDown/taint/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err62];
}
else {
vErrors.push(err62);
}
errors++;
}
}
}
if(data25.nextAttemptAt !== undefined){
let data29 = data25.nextAttemptAt;
if(typeof data29 === "string"){
if(!(formats0.validate(data29))){
const err63 = {instancePath:instancePath+"/status/scaleDown/taint/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/nextAttemptAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err63];
}
else {
vErrors.push(err63);
}
errors++;
}
}
else {
const err64 = {instancePath:instancePath+"/status/scaleDown/taint/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/nextAttemptAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err64];
}
else {
vErrors.push(err64);
}
errors++;
}
}
if(data25.by !== undefined){
let data30 = data25.by;
if(typeof data30 === "string"){
if(func2(data30) > 253){
const err65 = {instancePath:instancePath+"/status/scaleDown/taint/by",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/by/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err65];
}
else {
vErrors.push(err65);
}
errors++;
}
}
else {
const err66 = {instancePath:instancePath+"/status/scaleDown/taint/by",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err66];
}
else {
vErrors.push(err66);
}
errors++;
}
}
if(data25.message !== undefined){
let data31 = data25.message;
if(typeof data31 === "string"){
if(func2(data31) > 1024){
const err67 = {instancePath:instancePath+"/status/scaleDown/taint/message",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err67];
}
else {
vErrors.push(err67);
}
errors++;
}
}
else {
const err68 = {instancePath:instancePath+"/status/scaleDown/taint/message",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err68];
}
else {
vErrors.push(err68);
}
errors++;
}
}
if(data25.dryRun !== undefined){
if(typeof data25.dryRun !== "boolean"){
const err69 = {instancePath:instancePath+"/status/scaleDown/taint/dryRun",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/properties/dryRun/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err69];
}
else {
vErrors.push(err69);
}
errors++;
}
}
}
else {
const err70 = {instancePath:instancePath+"/status/scaleDown/taint",schemaPath:"#/properties/status/properties/scaleDown/properties/taint/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err70];
}
else {
vErrors.push(err70);
}
errors++;
}
}
if(data23.cordon !== undefined){
let data33 = data23.cordon;
if(data33 && typeof data33 == "object" && !Array.isArray(data33)){
if(data33.startedAt !== undefined){
let data34 = data33.startedAt;
if(typeof data34 === "string"){
if(!(formats0.validate(data34))){
const err71 = {instancePath:instancePath+"/status/scaleDown/cordon/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/startedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err71];
}
else {
vErrors.push(err71);
}
errors++;
}
}
else {
const err72 = {instancePath:instancePath+"/status/scaleDown/cordon/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/startedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err72];
}
else {
vErrors.push(err72);
}
errors++;
}
}
if(data33.completedAt !== undefined){
let data35 = data33.completedAt;
if(typeof data35 === "string"){
if(!(formats0.validate(data35))){
const err73 = {instancePath:instancePath+"/status/scaleDown/cordon/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/completedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err73];
}
else {
vErrors.push(err73);
}
errors++;
}
}
else {
const err74 = {instancePath:instancePath+"/status/scaleDown/cordon/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/completedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err74];
}
else {
vErrors.push(err74);
}
errors++;
}
}
if(data33.attempts !== undefined){
let data36 = data33.attempts;
if(!((typeof data36 == "number") && (!(data36 % 1) && !isNaN(data36)))){
const err75 = {instancePath:instancePath+"/status/scaleDown/cordon/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err75];
}
else {
vErrors.push(err75);
}
errors++;
}
if(typeof data36 == "number"){
if(data36 < 0 || isNaN(data36)){
const err76 = {instancePath:instancePath+"/status/scaleDown/cordon/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err76];
}
else {
vErrors.push(err76);
}
errors++;
}
}
}
if(data33.nextAttemptAt !== undefined){
let data37 = data33.nextAttemptAt;
if(typeof data37 === "string"){
if(!(formats0.validate(data37))){
const err77 = {instancePath:instancePath+"/status/scaleDown/cordon/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/nextAttemptAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err77];
}
else {
vErrors.push(err77);
}
errors++;
}
}
else {
const err78 = {instancePath:instancePath+"/status/scaleDown/cordon/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/nextAttemptAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err78];
}
else {
vErrors.push(err78);
}
errors++;
}
}
if(data33.by !== undefined){
let data38 = data33.by;
if(typeof data38 === "string"){
if(func2(data38) > 253){
const err79 = {instancePath:instancePath+"/status/scaleDown/cordon/by",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/by/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err79];
}
else {
vErrors.push(err79);
}
errors++;
}
}
else {
const err80 = {instancePath:instancePath+"/status/scaleDown/cordon/by",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err80];
}
else {
vErrors.push(err80);
}
errors++;
}
}
if(data33.message !== undefined){
let data39 = data33.message;
if(typeof data39 === "string"){
if(func2(data39) > 1024){
const err81 = {instancePath:instancePath+"/status/scaleDown/cordon/message",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err81];
}
else {
vErrors.push(err81);
}
errors++;
}
}
else {
const err82 = {instancePath:instancePath+"/status/scaleDown/cordon/message",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err82];
}
else {
vErrors.push(err82);
}
errors++;
}
}
if(data33.dryRun !== undefined){
if(typeof data33.dryRun !== "boolean"){
const err83 = {instancePath:instancePath+"/status/scaleDown/cordon/dryRun",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/properties/dryRun/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err83];
}
else {
vErrors.push(err83);
}
errors++;
}
}
}
else {
const err84 = {instancePath:instancePath+"/status/scaleDown/cordon",schemaPath:"#/properties/status/properties/scaleDown/properties/cordon/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err84];
}
else {
vErrors.push(err84);
}
errors++;
}
}
if(data23.drain !== undefined){
let data41 = data23.drain;
if(data41 && typeof data41 == "object" && !Array.isArray(data41)){
if(data41.startedAt !== undefined){
let data42 = data41.startedAt;
if(typeof data42 === "string"){
if(!(formats0.validate(data42))){
const err85 = {instancePath:instancePath+"/status/scaleDown/drain/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/startedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err85];
}
else {
vErrors.push(err85);
}
errors++;
}
}
else {
const err86 = {instancePath:instancePath+"/status/scaleDown/drain/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/startedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err86];
}
else {
vErrors.push(err86);
}
errors++;
}
}
if(data41.completedAt !== undefined){
let data43 = data41.completedAt;
if(typeof data43 === "string"){
if(!(formats0.validate(data43))){
const err87 = {instancePath:instancePath+"/status/scaleDown/drain/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/completedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err87];
}
else {
vErrors.push(err87);
}
errors++;
}
}
else {
const err88 = {instancePath:instancePath+"/status/scaleDown/drain/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/completedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err88];
}
else {
vErrors.push(err88);
}
errors++;
}
}
if(data41.attempts !== undefined){
let data44 = data41.attempts;
if(!((typeof data44 == "number") && (!(data44 % 1) && !isNaN(data44)))){
const err89 = {instancePath:instancePath+"/status/scaleDown/drain/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err89];
}
else {
vErrors.push(err89);
}
errors++;
}
if(typeof data44 == "number"){
if(data44 < 0 || isNaN(data44)){
const err90 = {instancePath:instancePath+"/status/scaleDown/drain/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err90];
}
else {
vErrors.push(err90);
}
errors++;
}
}
}
if(data41.nextAttemptAt !== undefined){
let data45 = data41.nextAttemptAt;
if(typeof data45 === "string"){
if(!(formats0.validate(data45))){
const err91 = {instancePath:instancePath+"/status/scaleDown/drain/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/nextAttemptAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err91];
}
else {
vErrors.push(err91);
}
errors++;
}
}
else {
const err92 = {instancePath:instancePath+"/status/scaleDown/drain/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/nextAttemptAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err92];
}
else {
vErrors.push(err92);
}
errors++;
}
}
if(data41.by !== undefined){
let data46 = data41.by;
if(typeof data46 === "string"){
if(func2(data46) > 253){
const err93 = {instancePath:instancePath+"/status/scaleDown/drain/by",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/by/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err93];
}
else {
vErrors.push(err93);
}
errors++;
}
}
else {
const err94 = {instancePath:instancePath+"/status/scaleDown/drain/by",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err94];
}
else {
vErrors.push(err94);
}
errors++;
}
}
if(data41.message !== undefined){
let data47 = data41.message;
if(typeof data47 === "string"){
if(func2(data47) > 1024){
const err95 = {instancePath:instancePath+"/status/scaleDown/drain/message",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err95];
}
else {
vErrors.push(err95);
}
errors++;
}
}
else {
const err96 = {instancePath:instancePath+"/status/scaleDown/drain/message",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err96];
}
else {
vErrors.push(err96);
}
errors++;
}
}
if(data41.dryRun !== undefined){
if(typeof data41.dryRun !== "boolean"){
const err97 = {instancePath:instancePath+"/status/scaleDown/drain/dryRun",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/properties/dryRun/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err97];
}
else {
vErrors.push(err97);
}
errors++;
}
}
}
else {
const err98 = {instancePath:instancePath+"/status/scaleDown/drain",schemaPath:"#/properties/status/properties/scaleDown/properties/drain/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err98];
}
else {
vErrors.push(err98);
}
errors++;
}
}
if(data23.waitForReschedule !== undefined){
let data49 = data23.waitForReschedule;
if(data49 && typeof data49 == "object" && !Array.isArray(data49)){
if(data49.startedAt !== undefined){
let data50 = data49.startedAt;
if(typeof data50 === "string"){
if(!(formats0.validate(data50))){
const err99 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/startedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err99];
}
else {
vErrors.push(err99);
}
errors++;
}
}
else {
const err100 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/startedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err100];
}
else {
vErrors.push(err100);
}
errors++;
}
}
if(data49.completedAt !== undefined){
let data51 = data49.completedAt;
if(typeof data51 === "string"){
if(!(formats0.validate(data51))){
const err101 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/completedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err101];
}
else {
vErrors.push(err101);
}
errors++;
}
}
else {
const err102 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/completedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err102];
}
else {
vErrors.push(err102);
}
errors++;
}
}
if(data49.attempts !== undefined){
let data52 = data49.attempts;
if(!((typeof data52 == "number") && (!(data52 % 1) && !isNaN(data52)))){
const err103 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err103];
}
else {
vErrors.push(err103);
}
errors++;
}
if(typeof data52 == "number"){
if(data52 < 0 || isNaN(data52)){
const err104 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err104];
}
else {
vErrors.push(err104);
}
errors++;
}
}
}
if(data49.nextAttemptAt !== undefined){
let data53 = data49.nextAttemptAt;
if(typeof data53 === "string"){
if(!(formats0.validate(data53))){
const err105 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/nextAttemptAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err105];
}
else {
vErrors.push(err105);
}
errors++;
}
}
else {
const err106 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/nextAttemptAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err106];
}
else {
vErrors.push(err106);
}
errors++;
}
}
if(data49.by !== undefined){
let data54 = data49.by;
if(typeof data54 === "string"){
if(func2(data54) > 253){
const err107 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/by",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/by/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err107];
}
else {
vErrors.push(err107);
}
errors++;
}
}
else {
const err108 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/by",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err108];
}
else {
vErrors.push(err108);
}
errors++;
}
}
if(data49.message !== undefined){
let data55 = data49.message;
if(typeof data55 === "string"){
if(func2(data55) > 1024){
const err109 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/message",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err109];
}
else {
vErrors.push(err109);
}
errors++;
}
}
else {
const err110 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/message",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err110];
}
else {
vErrors.push(err110);
}
errors++;
}
}
if(data49.dryRun !== undefined){
if(typeof data49.dryRun !== "boolean"){
const err111 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule/dryRun",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/properties/dryRun/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err111];
}
else {
vErrors.push(err111);
}
errors++;
}
}
}
else {
const err112 = {instancePath:instancePath+"/status/scaleDown/waitForReschedule",schemaPath:"#/properties/status/properties/scaleDown/properties/waitForReschedule/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err112];
}
else {
vErrors.push(err112);
}
errors++;
}
}
if(data23.terminate !== undefined){
let data57 = data23.terminate;
if(data57 && typeof data57 == "object" && !Array.isArray(data57)){
if(data57.startedAt !== undefined){
let data58 = data57.startedAt;
if(typeof data58 === "string"){
if(!(formats0.validate(data58))){
const err113 = {instancePath:instancePath+"/status/scaleDown/terminate/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/startedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err113];
}
else {
vErrors.push(err113);
}
errors++;
}
}
else {
const err114 = {instancePath:instancePath+"/status/scaleDown/terminate/startedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/startedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err114];
}
else {
vErrors.push(err114);
}
errors++;
}
}
if(data57.completedAt !== undefined){
let data59 = data57.completedAt;
if(typeof data59 === "string"){
if(!(formats0.validate(data59))){
const err115 = {instancePath:instancePath+"/status/scaleDown/terminate/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/completedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err115];
}
else {
vErrors.push(err115);
}
errors++;
}
}
else {
const err116 = {instancePath:instancePath+"/status/scaleDown/terminate/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/completedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err116];
}
else {
vErrors.push(err116);
}
errors++;
}
}
if(data57.attempts !== undefined){
let data60 = data57.attempts;
if(!((typeof data60 == "number") && (!(data60 % 1) && !isNaN(data60)))){
const err117 = {instancePath:instancePath+"/status/scaleDown/terminate/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err117];
}
else {
vErrors.push(err117);
}
errors++;
}
if(typeof data60 == "number"){
if(data60 < 0 || isNaN(data60)){
const err118 = {instancePath:instancePath+"/status/scaleDown/terminate/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err118];
}
else {
vErrors.push(err118);
}
errors++;
}
}
}
if(data57.nextAttemptAt !== undefined){
let data61 = data57.nextAttemptAt;
if(typeof data61 === "string"){
if(!(formats0.validate(data61))){
const err119 = {instancePath:instancePath+"/status/scaleDown/terminate/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/nextAttemptAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err119];
}
else {
vErrors.push(err119);
}
errors++;
}
}
else {
const err120 = {instancePath:instancePath+"/status/scaleDown/terminate/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/nextAttemptAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err120];
}
else {
vErrors.push(err120);
}
errors++;
}
}
if(data57.by !== undefined){
let data62 = data57.by;
if(typeof data62 === "string"){
if(func2(data62) > 253){
const err121 = {instancePath:instancePath+"/status/scaleDown/terminate/by",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/by/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err121];
}
else {
vErrors.push(err121);
}
errors++;
}
}
else {
const err122 = {instancePath:instancePath+"/status/scaleDown/terminate/by",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err122];
}
else {
vErrors.push(err122);
}
errors++;
}
}
if(data57.message !== undefined){
let data63 = data57.message;
if(typeof data63 === "string"){
if(func2(data63) > 1024){
const err123 = {instancePath:instancePath+"/status/scaleDown/terminate/message",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err123];
}
else {
vErrors.push(err123);
}
errors++;
}
}
else {
const err124 = {instancePath:instancePath+"/status/scaleDown/terminate/message",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err124];
}
else {
vErrors.push(err124);
}
errors++;
}
}
if(data57.dryRun !== undefined){
if(typeof data57.dryRun !== "boolean"){
const err125 = {instancePath:instancePath+"/status/scaleDown/terminate/dryRun",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/properties/dryRun/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err125];
}
else {
vErrors.push(err125);
}
errors++;
}
}
}
else {
const err126 = {instancePath:instancePath+"/status/scaleDown/terminate",schemaPath:"#/properties/status/properties/scaleDown/properties/terminate/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err126];
}
else {
vErrors.push(err126);
}
errors++;
}
}
if(data23.rollback !== undefined){
let data65 = data23.rollback;
if(data65 && typeof data65 == "object" && !Array.isArray(data65)){
if(data65.reason === undefined){
const err127 = {instancePath:instancePath+"/status/scaleDown/rollback",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/required",keyword:"required",params:{missingProperty: "reason"},message:"must have required property '"+"reason"+"'"};
if(vErrors === null){
vErrors = [err127];
}
else {
vErrors.push(err127);
}
errors++;
}
if(data65.requestedAt === undefined){
const err128 = {instancePath:instancePath+"/status/scaleDown/rollback",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/required",keyword:"required",params:{missingProperty: "requestedAt"},message:"must have required property '"+"requestedAt"+"'"};
if(vErrors === null){
vErrors = [err128];
}
else {
vErrors.push(err128);
}
errors++;
}
if(data65.reason !== undefined){
let data66 = data65.reason;
if(typeof data66 === "string"){
if(func2(data66) > 1024){
const err129 = {instancePath:instancePath+"/status/scaleDown/rollback/reason",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/reason/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err129];
}
else {
vErrors.push(err129);
}
errors++;
}
}
else {
const err130 = {instancePath:instancePath+"/status/scaleDown/rollback/reason",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err130];
}
else {
vErrors.push(err130);
}
errors++;
}
}
if(data65.requestedAt !== undefined){
let data67 = data65.requestedAt;
if(typeof data67 === "string"){
if(!(formats0.validate(data67))){
const err131 = {instancePath:instancePath+"/status/scaleDown/rollback/requestedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/requestedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err131];
}
else {
vErrors.push(err131);
}
errors++;
}
}
else {
const err132 = {instancePath:instancePath+"/status/scaleDown/rollback/requestedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/requestedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err132];
}
else {
vErrors.push(err132);
}
errors++;
}
}
if(data65.completedAt !== undefined){
let data68 = data65.completedAt;
if(typeof data68 === "string"){
if(!(formats0.validate(data68))){
const err133 = {instancePath:instancePath+"/status/scaleDown/rollback/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/completedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err133];
}
else {
vErrors.push(err133);
}
errors++;
}
}
else {
const err134 = {instancePath:instancePath+"/status/scaleDown/rollback/completedAt",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/completedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err134];
}
else {
vErrors.push(err134);
}
errors++;
}
}
if(data65.attempts !== undefined){
let data69 = data65.attempts;
if(!((typeof data69 == "number") && (!(data69 % 1) && !isNaN(data69)))){
const err135 = {instancePath:instancePath+"/status/scaleDown/rollback/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/attempts/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err135];
}
else {
vErrors.push(err135);
}
errors++;
}
if(typeof data69 == "number"){
if(data69 < 0 || isNaN(data69)){
const err136 = {instancePath:instancePath+"/status/scaleDown/rollback/attempts",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/attempts/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err136];
}
else {
vErrors.push(err136);
}
errors++;
}
}
}
if(data65.nextAttemptAt !== undefined){
let data70 = data65.nextAttemptAt;
if(typeof data70 === "string"){
if(!(formats0.validate(data70))){
const err137 = {instancePath:instancePath+"/status/scaleDown/rollback/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/nextAttemptAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err137];
}
else {
vErrors.push(err137);
}
errors++;
}
}
else {
const err138 = {instancePath:instancePath+"/status/scaleDown/rollback/nextAttemptAt",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/nextAttemptAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err138];
}
else {
vErrors.push(err138);
}
errors++;
}
}
if(data65.by !== undefined){
let data71 = data65.by;
if(typeof data71 === "string"){
if(func2(data71) > 253){
const err139 = {instancePath:instancePath+"/status/scaleDown/rollback/by",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/by/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err139];
}
else {
vErrors.push(err139);
}
errors++;
}
}
else {
const err140 = {instancePath:instancePath+"/status/scaleDown/rollback/by",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/by/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err140];
}
else {
vErrors.push(err140);
}
errors++;
}
}
if(data65.untainted !== undefined){
if(typeof data65.untainted !== "boolean"){
const err141 = {instancePath:instancePath+"/status/scaleDown/rollback/untainted",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/untainted/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err141];
}
else {
vErrors.push(err141);
}
errors++;
}
}
if(data65.uncordoned !== undefined){
if(typeof data65.uncordoned !== "boolean"){
const err142 = {instancePath:instancePath+"/status/scaleDown/rollback/uncordoned",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/uncordoned/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err142];
}
else {
vErrors.push(err142);
}
errors++;
}
}
if(data65.message !== undefined){
let data74 = data65.message;
if(typeof data74 === "string"){
if(func2(data74) > 1024){
const err143 = {instancePath:instancePath+"/status/scaleDown/rollback/message",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err143];
}
else {
vErrors.push(err143);
}
errors++;
}
}
else {
const err144 = {instancePath:instancePath+"/status/scaleDown/rollback/message",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err144];
}
else {
vErrors.push(err144);
}
errors++;
}
}
}
else {
const err145 = {instancePath:instancePath+"/status/scaleDown/rollback",schemaPath:"#/properties/status/properties/scaleDown/properties/rollback/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err145];
}
else {
vErrors.push(err145);
}
errors++;
}
}
if(data23.evicted !== undefined){
let data75 = data23.evicted;
if(Array.isArray(data75)){
if(data75.length > 256){
const err146 = {instancePath:instancePath+"/status/scaleDown/evicted",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/maxItems",keyword:"maxItems",params:{limit: 256},message:"must NOT have more than 256 items"};
if(vErrors === null){
vErrors = [err146];
}
else {
vErrors.push(err146);
}
errors++;
}
const len0 = data75.length;
for(let i0=0; i0<len0; i0++){
let data76 = data75[i0];
if(data76 && typeof data76 == "object" && !Array.isArray(data76)){
if(data76.namespace === undefined){
const err147 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/required",keyword:"required",params:{missingProperty: "namespace"},message:"must have required property '"+"namespace"+"'"};
if(vErrors === null){
vErrors = [err147];
}
else {
vErrors.push(err147);
}
errors++;
}
if(data76.kind === undefined){
const err148 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/required",keyword:"required",params:{missingProperty: "kind"},message:"must have required property '"+"kind"+"'"};
if(vErrors === null){
vErrors = [err148];
}
else {
vErrors.push(err148);
}
errors++;
}
if(data76.name === undefined){
const err149 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/required",keyword:"required",params:{missingProperty: "name"},message:"must have required property '"+"name"+"'"};
if(vErrors === null){
vErrors = [err149];
}
else {
vErrors.push(err149);
}
errors++;
}
if(data76.uid === undefined){
const err150 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/required",keyword:"required",params:{missingProperty: "uid"},message:"must have required property '"+"uid"+"'"};
if(vErrors === null){
vErrors = [err150];
}
else {
vErrors.push(err150);
}
errors++;
}
if(data76.pods === undefined){
const err151 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/required",keyword:"required",params:{missingProperty: "pods"},message:"must have required property '"+"pods"+"'"};
if(vErrors === null){
vErrors = [err151];
}
else {
vErrors.push(err151);
}
errors++;
}
if(data76.since === undefined){
const err152 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/required",keyword:"required",params:{missingProperty: "since"},message:"must have required property '"+"since"+"'"};
if(vErrors === null){
vErrors = [err152];
}
else {
vErrors.push(err152);
}
errors++;
}
if(data76.namespace !== undefined){
let data77 = data76.namespace;
if(typeof data77 === "string"){
if(func2(data77) > 63){
const err153 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/namespace",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/namespace/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters"};
if(vErrors === null){
vErrors = [err153];
}
else {
vErrors.push(err153);
}
errors++;
}
}
else {
const err154 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/namespace",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/namespace/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err154];
}
else {
vErrors.push(err154);
}
errors++;
}
}
if(data76.kind !== undefined){
let data78 = data76.kind;
if(typeof data78 === "string"){
if(func2(data78) > 63){
const err155 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/kind",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/kind/maxLength",keyword:"maxLength",params:{limit: 63},message:"must NOT have more than 63 characters"};
if(vErrors === null){
vErrors = [err155];
}
else {
vErrors.push(err155);
}
errors++;
}
}
else {
const err156 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/kind",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/kind/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err156];
}
else {
vErrors.push(err156);
}
errors++;
}
}
if(data76.name !== undefined){
let data79 = data76.name;
if(typeof data79 === "string"){
if(func2(data79) > 253){
const err157 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/name",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/name/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err157];
}
else {
vErrors.push(err157);
}
errors++;
}
}
else {
const err158 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/name",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/name/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err158];
}
else {
vErrors.push(err158);
}
errors++;
}
}
if(data76.uid !== undefined){
let data80 = data76.uid;
if(typeof data80 === "string"){
if(func2(data80) > 64){
const err159 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/uid",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/uid/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters"};
if(vErrors === null){
vErrors = [err159];
}
else {
vErrors.push(err159);
}
errors++;
}
}
else {
const err160 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/uid",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/uid/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err160];
}
else {
vErrors.push(err160);
}
errors++;
}
}
if(data76.pods !== undefined){
let data81 = data76.pods;
if(!((typeof data81 == "number") && (!(data81 % 1) && !isNaN(data81)))){
const err161 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/pods",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/pods/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err161];
}
else {
vErrors.push(err161);
}
errors++;
}
if(typeof data81 == "number"){
if(data81 < 1 || isNaN(data81)){
const err162 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/pods",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/pods/minimum",keyword:"minimum",params:{comparison: ">=", limit: 1},message:"must be >= 1"};
if(vErrors === null){
vErrors = [err162];
}
else {
vErrors.push(err162);
}
errors++;
}
}
}
if(data76.since !== undefined){
let data82 = data76.since;
if(typeof data82 === "string"){
if(!(formats0.validate(data82))){
const err163 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/since",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/since/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err163];
}
else {
vErrors.push(err163);
}
errors++;
}
}
else {
const err164 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0+"/since",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/properties/since/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err164];
}
else {
vErrors.push(err164);
}
errors++;
}
}
}
else {
const err165 = {instancePath:instancePath+"/status/scaleDown/evicted/" + i0,schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err165];
}
else {
vErrors.push(err165);
}
errors++;
}
}
}
else {
const err166 = {instancePath:instancePath+"/status/scaleDown/evicted",schemaPath:"#/properties/status/properties/scaleDown/properties/evicted/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err166];
}
else {
vErrors.push(err166);
}
errors++;
}
}
}
else {
const err167 = {instancePath:instancePath+"/status/scaleDown",schemaPath:"#/properties/status/properties/scaleDown/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err167];
}
else {
vErrors.push(err167);
}
errors++;
}
}
if(data10.spotHealth !== undefined){
let data83 = data10.spotHealth;
if(data83 && typeof data83 == "object" && !Array.isArray(data83)){
if(data83.inService === undefined){
const err168 = {instancePath:instancePath+"/status/spotHealth",schemaPath:"#/properties/status/properties/spotHealth/required",keyword:"required",params:{missingProperty: "inService"},message:"must have required property '"+"inService"+"'"};
if(vErrors === null){
vErrors = [err168];
}
else {
vErrors.push(err168);
}
errors++;
}
if(data83.desired === undefined){
const err169 = {instancePath:instancePath+"/status/spotHealth",schemaPath:"#/properties/status/properties/spotHealth/required",keyword:"required",params:{missingProperty: "desired"},message:"must have required property '"+"desired"+"'"};
if(vErrors === null){
vErrors = [err169];
}
else {
vErrors.push(err169);
}
errors++;
}
if(data83.activitiesInProgress === undefined){
const err170 = {instancePath:instancePath+"/status/spotHealth",schemaPath:"#/properties/status/properties/spotHealth/required",keyword:"required",params:{missingProperty: "activitiesInProgress"},message:"must have required property '"+"activitiesInProgress"+"'"};
if(vErrors === null){
vErrors = [err170];
}
else {
vErrors.push(err170);
}
errors++;
}
if(data83.observedAt === undefined){
const err171 = {instancePath:instancePath+"/status/spotHealth",schemaPath:"#/properties/status/properties/spotHealth/required",keyword:"required",params:{missingProperty: "observedAt"},message:"must have required property '"+"observedAt"+"'"};
if(vErrors === null){
vErrors = [err171];
}
else {
vErrors.push(err171);
}
errors++;
}
if(data83.inService !== undefined){
let data84 = data83.inService;
if(!((typeof data84 == "number") && (!(data84 % 1) && !isNaN(data84)))){
const err172 = {instancePath:instancePath+"/status/spotHealth/inService",schemaPath:"#/properties/status/properties/spotHealth/properties/inService/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err172];
}
else {
vErrors.push(err172);
}
errors++;
}
if(typeof data84 == "number"){
if(data84 < 0 || isNaN(data84)){
const err173 = {instancePath:instancePath+"/status/spotHealth/inService",schemaPath:"#/properties/status/properties/spotHealth/properties/inService/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err173];
}
else {
vErrors.push(err173);
}
errors++;
}
}
}
if(data83.desired !== undefined){
let data85 = data83.desired;
if(!((typeof data85 == "number") && (!(data85 % 1) && !isNaN(data85)))){
const err174 = {instancePath:instancePath+"/status/spotHealth/desired",schemaPath:"#/properties/status/properties/spotHealth/properties/desired/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err174];
}
else {
vErrors.push(err174);
}
errors++;
}
if(typeof data85 == "number"){
if(data85 < 0 || isNaN(data85)){
const err175 = {instancePath:instancePath+"/status/spotHealth/desired",schemaPath:"#/properties/status/properties/spotHealth/properties/desired/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err175];
}
else {
vErrors.push(err175);
}
errors++;
}
}
}
if(data83.activitiesInProgress !== undefined){
let data86 = data83.activitiesInProgress;
if(!((typeof data86 == "number") && (!(data86 % 1) && !isNaN(data86)))){
const err176 = {instancePath:instancePath+"/status/spotHealth/activitiesInProgress",schemaPath:"#/properties/status/properties/spotHealth/properties/activitiesInProgress/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err176];
}
else {
vErrors.push(err176);
}
errors++;
}
if(typeof data86 == "number"){
if(data86 < 0 || isNaN(data86)){
const err177 = {instancePath:instancePath+"/status/spotHealth/activitiesInProgress",schemaPath:"#/properties/status/properties/spotHealth/properties/activitiesInProgress/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err177];
}
else {
vErrors.push(err177);
}
errors++;
}
}
}
if(data83.nodesReady !== undefined){
let data87 = data83.nodesReady;
if(!((typeof data87 == "number") && (!(data87 % 1) && !isNaN(data87)))){
const err178 = {instancePath:instancePath+"/status/spotHealth/nodesReady",schemaPath:"#/properties/status/properties/spotHealth/properties/nodesReady/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err178];
}
else {
vErrors.push(err178);
}
errors++;
}
if(typeof data87 == "number"){
if(data87 < 0 || isNaN(data87)){
const err179 = {instancePath:instancePath+"/status/spotHealth/nodesReady",schemaPath:"#/properties/status/properties/spotHealth/properties/nodesReady/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err179];
}
else {
vErrors.push(err179);
}
errors++;
}
}
}
if(data83.nodesTotal !== undefined){
let data88 = data83.nodesTotal;
if(!((typeof data88 == "number") && (!(data88 % 1) && !isNaN(data88)))){
const err180 = {instancePath:instancePath+"/status/spotHealth/nodesTotal",schemaPath:"#/properties/status/properties/spotHealth/properties/nodesTotal/type",keyword:"type",params:{type: "integer"},message:"must be integer"};
if(vErrors === null){
vErrors = [err180];
}
else {
vErrors.push(err180);
}
errors++;
}
if(typeof data88 == "number"){
if(data88 < 0 || isNaN(data88)){
const err181 = {instancePath:instancePath+"/status/spotHealth/nodesTotal",schemaPath:"#/properties/status/properties/spotHealth/properties/nodesTotal/minimum",keyword:"minimum",params:{comparison: ">=", limit: 0},message:"must be >= 0"};
if(vErrors === null){
vErrors = [err181];
}
else {
vErrors.push(err181);
}
errors++;
}
}
}
if(data83.healthy !== undefined){
if(typeof data83.healthy !== "boolean"){
const err182 = {instancePath:instancePath+"/status/spotHealth/healthy",schemaPath:"#/properties/status/properties/spotHealth/properties/healthy/type",keyword:"type",params:{type: "boolean"},message:"must be boolean"};
if(vErrors === null){
vErrors = [err182];
}
else {
vErrors.push(err182);
}
errors++;
}
}
if(data83.observedAt !== undefined){
let data90 = data83.observedAt;
if(typeof data90 === "string"){
if(!(formats0.validate(data90))){
const err183 = {instancePath:instancePath+"/status/spotHealth/observedAt",schemaPath:"#/properties/status/properties/spotHealth/properties/observedAt/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err183];
}
else {
vErrors.push(err183);
}
errors++;
}
}
else {
const err184 = {instancePath:instancePath+"/status/spotHealth/observedAt",schemaPath:"#/properties/status/properties/spotHealth/properties/observedAt/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err184];
}
else {
vErrors.push(err184);
}
errors++;
}
}
if(data83.observedBy !== undefined){
let data91 = data83.observedBy;
if(typeof data91 === "string"){
if(func2(data91) > 253){
const err185 = {instancePath:instancePath+"/status/spotHealth/observedBy",schemaPath:"#/properties/status/properties/spotHealth/properties/observedBy/maxLength",keyword:"maxLength",params:{limit: 253},message:"must NOT have more than 253 characters"};
if(vErrors === null){
vErrors = [err185];
}
else {
vErrors.push(err185);
}
errors++;
}
}
else {
const err186 = {instancePath:instancePath+"/status/spotHealth/observedBy",schemaPath:"#/properties/status/properties/spotHealth/properties/observedBy/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err186];
}
else {
vErrors.push(err186);
}
errors++;
}
}
}
else {
const err187 = {instancePath:instancePath+"/status/spotHealth",schemaPath:"#/properties/status/properties/spotHealth/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err187];
}
else {
vErrors.push(err187);
}
errors++;
}
}
if(data10.conditions !== undefined){
let data92 = data10.conditions;
if(Array.isArray(data92)){
if(data92.length > 16){
const err188 = {instancePath:instancePath+"/status/conditions",schemaPath:"#/properties/status/properties/conditions/maxItems",keyword:"maxItems",params:{limit: 16},message:"must NOT have more than 16 items"};
if(vErrors === null){
vErrors = [err188];
}
else {
vErrors.push(err188);
}
errors++;
}
const len1 = data92.length;
for(let i1=0; i1<len1; i1++){
let data93 = data92[i1];
if(data93 && typeof data93 == "object" && !Array.isArray(data93)){
if(data93.type === undefined){
const err189 = {instancePath:instancePath+"/status/conditions/" + i1,schemaPath:"#/properties/status/properties/conditions/items/required",keyword:"required",params:{missingProperty: "type"},message:"must have required property '"+"type"+"'"};
if(vErrors === null){
vErrors = [err189];
}
else {
vErrors.push(err189);
}
errors++;
}
if(data93.status === undefined){
const err190 = {instancePath:instancePath+"/status/conditions/" + i1,schemaPath:"#/properties/status/properties/conditions/items/required",keyword:"required",params:{missingProperty: "status"},message:"must have required property '"+"status"+"'"};
if(vErrors === null){
vErrors = [err190];
}
else {
vErrors.push(err190);
}
errors++;
}
if(data93.lastTransitionTime === undefined){
const err191 = {instancePath:instancePath+"/status/conditions/" + i1,schemaPath:"#/properties/status/properties/conditions/items/required",keyword:"required",params:{missingProperty: "lastTransitionTime"},message:"must have required property '"+"lastTransitionTime"+"'"};
if(vErrors === null){
vErrors = [err191];
}
else {
vErrors.push(err191);
}
errors++;
}
if(data93.type !== undefined){
let data94 = data93.type;
if(typeof data94 === "string"){
if(func2(data94) > 64){
const err192 = {instancePath:instancePath+"/status/conditions/" + i1+"/type",schemaPath:"#/properties/status/properties/conditions/items/properties/type/maxLength",keyword:"maxLength",params:{limit: 64},message:"must NOT have more than 64 characters"};
if(vErrors === null){
vErrors = [err192];
}
else {
vErrors.push(err192);
}
errors++;
}
}
else {
const err193 = {instancePath:instancePath+"/status/conditions/" + i1+"/type",schemaPath:"#/properties/status/properties/conditions/items/properties/type/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err193];
}
else {
vErrors.push(err193);
}
errors++;
}
}
if(data93.status !== undefined){
let data95 = data93.status;
if(typeof data95 !== "string"){
const err194 = {instancePath:instancePath+"/status/conditions/" + i1+"/status",schemaPath:"#/properties/status/properties/conditions/items/properties/status/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err194];
}
else {
vErrors.push(err194);
}
errors++;
}
if(!(((data95 === "True") || (data95 === "False")) || (data95 === "Unknown"))){
const err195 = {instancePath:instancePath+"/status/conditions/" + i1+"/status",schemaPath:"#/properties/status/properties/conditions/items/properties/status/enum",keyword:"enum",params:{allowedValues: schema11.properties.status.properties.conditions.items.properties.status.enum},message:"must be equal to one of the allowed values"};
if(vErrors === null){
vErrors = [err195];
}
else {
vErrors.push(err195);
}
errors++;
}
}
if(data93.reason !== undefined){
let data96 = data93.reason;
if(typeof data96 === "string"){
if(func2(data96) > 128){
const err196 = {instancePath:instancePath+"/status/conditions/" + i1+"/reason",schemaPath:"#/properties/status/properties/conditions/items/properties/reason/maxLength",keyword:"maxLength",params:{limit: 128},message:"must NOT have more than 128 characters"};
if(vErrors === null){
vErrors = [err196];
}
else {
vErrors.push(err196);
}
errors++;
}
if(!pattern5.test(data96)){
const err197 = {instancePath:instancePath+"/status/conditions/" + i1+"/reason",schemaPath:"#/properties/status/properties/conditions/items/properties/reason/pattern",keyword:"pattern",params:{pattern: "^([A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?)?$"},message:"must match pattern \""+"^([A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?)?$"+"\""};
if(vErrors === null){
vErrors = [err197];
}
else {
vErrors.push(err197);
}
errors++;
}
}
else {
const err198 = {instancePath:instancePath+"/status/conditions/" + i1+"/reason",schemaPath:"#/properties/status/properties/conditions/items/properties/reason/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err198];
}
else {
vErrors.push(err198);
}
errors++;
}
}
if(data93.message !== undefined){
let data97 = data93.message;
if(typeof data97 === "string"){
if(func2(data97) > 1024){
const err199 = {instancePath:instancePath+"/status/conditions/" + i1+"/message",schemaPath:"#/properties/status/properties/conditions/items/properties/message/maxLength",keyword:"maxLength",params:{limit: 1024},message:"must NOT have more than 1024 characters"};
if(vErrors === null){
vErrors = [err199];
}
else {
vErrors.push(err199);
}
errors++;
}
}
else {
const err200 = {instancePath:instancePath+"/status/conditions/" + i1+"/message",schemaPath:"#/properties/status/properties/conditions/items/properties/message/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err200];
}
else {
vErrors.push(err200);
}
errors++;
}
}
if(data93.lastTransitionTime !== undefined){
let data98 = data93.lastTransitionTime;
if(typeof data98 === "string"){
if(!(formats0.validate(data98))){
const err201 = {instancePath:instancePath+"/status/conditions/" + i1+"/lastTransitionTime",schemaPath:"#/properties/status/properties/conditions/items/properties/lastTransitionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err201];
}
else {
vErrors.push(err201);
}
errors++;
}
}
else {
const err202 = {instancePath:instancePath+"/status/conditions/" + i1+"/lastTransitionTime",schemaPath:"#/properties/status/properties/conditions/items/properties/lastTransitionTime/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err202];
}
else {
vErrors.push(err202);
}
errors++;
}
}
}
else {
const err203 = {instancePath:instancePath+"/status/conditions/" + i1,schemaPath:"#/properties/status/properties/conditions/items/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err203];
}
else {
vErrors.push(err203);
}
errors++;
}
}
}
else {
const err204 = {instancePath:instancePath+"/status/conditions",schemaPath:"#/properties/status/properties/conditions/type",keyword:"type",params:{type: "array"},message:"must be array"};
if(vErrors === null){
vErrors = [err204];
}
else {
vErrors.push(err204);
}
errors++;
}
}
if(data10.completionTime !== undefined){
let data99 = data10.completionTime;
if(typeof data99 === "string"){
if(!(formats0.validate(data99))){
const err205 = {instancePath:instancePath+"/status/completionTime",schemaPath:"#/properties/status/properties/completionTime/format",keyword:"format",params:{format: "date-time"},message:"must match format \""+"date-time"+"\""};
if(vErrors === null){
vErrors = [err205];
}
else {
vErrors.push(err205);
}
errors++;
}
}
else {
const err206 = {instancePath:instancePath+"/status/completionTime",schemaPath:"#/properties/status/properties/completionTime/type",keyword:"type",params:{type: "string"},message:"must be string"};
if(vErrors === null){
vErrors = [err206];
}
else {
vErrors.push(err206);
}
errors++;
}
}
}
else {
const err207 = {instancePath:instancePath+"/status",schemaPath:"#/properties/status/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err207];
}
else {
vErrors.push(err207);
}
errors++;
}
}
}
else {
const err208 = {instancePath,schemaPath:"#/type",keyword:"type",params:{type: "object"},message:"must be object"};
if(vErrors === null){
vErrors = [err208];
}
else {
vErrors.push(err208);
}
errors++;
}
validate10.errors = vErrors;
return errors === 0;
}

