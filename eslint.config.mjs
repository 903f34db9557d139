// @ts-check
import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/',
      'console/dist/',
      'coverage/',
      'data/',
      'node_modules/',
      'src/metadata.ts',
      'src/generated/',
      'openapi/',
      'clients/**/*.d.ts',
      'clients/hey-api/',
      '**/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  eslint.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  { languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } } },
  // `const { secret: _, ...rest } = x` is how a field is left out of a copy.
  { rules: { '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }] } },
  {
    // e2e specs read JSON bodies as `any` on purpose: every body is validated against the OpenAPI
    // document at run time, and the typed-client flows check shapes at compile time.
    files: ['test/**/*.ts', 'src/**/*.spec.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Stand-ins implement asynchronous interfaces (buses, databases) with synchronous bodies.
      '@typescript-eslint/require-await': 'off',
    },
  },
  prettier,
);
