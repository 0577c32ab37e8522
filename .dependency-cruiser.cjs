/** Layer rules of DESIGN.md, checked on every `npm test`. */
module.exports = {
  forbidden: [
    {
      name: 'crds-import-nothing-of-ours',
      comment: 'crds/ is the schema and pure helpers; it depends on no other layer',
      severity: 'error',
      from: { path: '^crds/' },
      to: { path: '^(machines|streams|runtime|visualizations|dev|test|bin)/' },
    },
    {
      name: 'agent-never-loads-dev-tools',
      comment: 'dev/ holds the sandbox, the AWS capacity simulator, the demo and the binary builds: the shipped agent (and every layer it is made of) never imports them',
      severity: 'error',
      from: { path: '^(runtime|machines|streams|crds|visualizations)/' },
      to: { path: '^dev/' },
    },
    {
      name: 'machines-are-pure',
      comment: 'machines/ may import crds/ only (and xstate)',
      severity: 'error',
      from: { path: '^machines/' },
      to: { path: '^(streams|runtime|visualizations|dev|test|bin)/' },
    },
    {
      name: 'streams-see-ports-only',
      comment: 'streams/ may import crds/ and the port interfaces of runtime/, never adapters',
      severity: 'error',
      from: { path: '^streams/' },
      to: { path: '^(machines|visualizations|test|bin)/|^runtime/(?!.*\\.port\\.ts$)' },
    },
    {
      name: 'visualizations-see-definitions-only',
      severity: 'error',
      from: { path: '^visualizations/' },
      to: { path: '^(streams|runtime|test|bin)/' },
    },
    {
      name: 'nothing-imports-tests',
      severity: 'error',
      from: { pathNot: '^test/' },
      to: { path: '^test/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'no-unresolvable',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js'], exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
