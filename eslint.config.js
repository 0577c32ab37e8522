import tseslint from 'typescript-eslint';

export default tseslint.config(
  // *.generated.js: code written by a generator (Ajv's standalone validator), checked by its drift test instead.
  { ignores: ['.dependency-cruiser.cjs', 'node_modules/', 'dist/', 'scratch/', 'coverage/', 'test-artifacts/', '**/*.generated.js'] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: { allowDefaultProject: ['*.js', 'bin/*.js', 'test/*.js'] }, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The machines are pure: time reaches them only as TICK events.
    files: ['machines/**/*.ts', 'streams/**/*.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'take time from a TICK event or an injected scheduler' }],
      'no-restricted-globals': ['error', 'setInterval', 'setTimeout'],
    },
  },
  {
    files: ['**/*.js', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
  },
);
