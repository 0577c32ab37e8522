// Generated from spotguardfallbackevent.crd.yaml by crds/generate.ts (npm run generate). Do not edit.
// The agent imports its names from here, so it needs neither the YAML nor a YAML parser.
export const GROUP = 'aws.amazon.com';
export const VERSION = 'v1';
export const API_VERSION = 'aws.amazon.com/v1';
export const KIND = 'SpotGuardFallbackEvent';
export const PLURAL = 'spotguardfallbackevents';
