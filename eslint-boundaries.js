// Who may import what (docs/architecture.md): each block names what its files may not import, and a
// violation fails `npm run lint`. Kept apart from eslint.config.js so scripts/lint-boundaries.test.ts
// can prove every rule fires without type-aware linting.
export const importBoundaries = [
  {
    files: ['main/core/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'main/core runs in plain Node: take the OS-facing part as a constructor argument.' }],
          patterns: [
            { regex: '^electron(-store)?(/|$)', message: 'main/core runs in plain Node: no Electron modules.' },
            { regex: '(^|/)(electron|host)/', message: 'main/core may not import the Electron shell or the browser host.' },
          ],
        },
      ],
    },
  },
  {
    files: ['renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^@voxanne/(backend|main)(/|$)|(^|/)(backend|main)/',
              message: 'The renderer talks to the rest only through the typed bridge: import @voxanne/protocol and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['protocol/src/**/*.ts'],
    ignores: ['protocol/src/**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\.{1,2}/|zod$|zod/|libphonenumber-js$|libphonenumber-js/)',
              message: 'protocol is shared by every workspace: it may import only zod, libphonenumber-js and its own files.',
            },
          ],
        },
      ],
    },
  },
  {
    // Types are erased from the bundle, so a type import of the simulator is harmless; values are not.
    files: ['backend/src/**/*.ts'],
    ignores: ['backend/src/**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)sandbox/',
              allowTypeImports: true,
              message:
                'Production code never imports the simulator; only the composition root loads it, with a dynamic import, in sandbox mode.',
            },
          ],
        },
      ],
    },
  },
  {
    // Domain code throws AppError (backend/src/errors.ts); only http/ turns it into a status, and only
    // route files (and the composition root) use the HTTP helpers.
    files: ['backend/src/**/*.ts'],
    ignores: [
      'backend/src/**/*.test.ts',
      'backend/src/http/**',
      'backend/src/**/*-routes.ts',
      'backend/src/backend.ts',
      'backend/src/server.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '(^|/)http/',
              message: 'Domain modules do not know about HTTP: throw AppError from backend/src/errors.ts and let the route map it.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['backend/src/**/*.ts'],
    ignores: ['backend/src/**/*.test.ts', 'backend/src/backend.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: 'ImportExpression[source.value=/(^|\\/)sandbox\\//]',
          message: 'Only the composition root (backend/src/backend.ts) loads the simulator.',
        },
      ],
    },
  },
];
