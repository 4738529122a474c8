// Shared flat config. Type-aware so the type-import rule understands decorator metadata
// (Nest injects by the emitted constructor types; turning those imports into `import type`
// would break dependency injection).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency direction of ARCHITECTURE.md: the SDK, the domain core, the simulator and every
// provider are plain TypeScript that any host could load. They never reach for the framework, the
// database or the process environment; the host hands them what they need.
const pureLayerRules = {
  'no-restricted-imports': [
    'error',
    {
      patterns: [
        {
          group: ['@nestjs/*', '@mikro-orm/*', '@tether/persistence', '@tether/scheduler'],
          message:
            'This package is framework-free (see ARCHITECTURE.md, dependency direction): take what you need as an argument from the host instead.',
        },
      ],
    },
  ],
  'no-restricted-properties': [
    'error',
    {
      object: 'process',
      property: 'env',
      message:
        'Configuration comes from the host (provider options, call context), never from the environment.',
    },
  ],
};

/**
 * @param {string} tsconfigRootDir
 * @param {{ host?: boolean }} [options] `host: true` for the packages that may use NestJS, the
 *   ORM and the environment (the server, persistence, scheduler); every other package is held
 *   to the framework-free rules.
 */
export function tetherConfig(tsconfigRootDir, options = {}) {
  return tseslint.config(
    { ignores: ['dist/**', 'coverage/**', '*.config.*', 'data/**', 'bench/**'] },
    js.configs.recommended,
    ...tseslint.configs.recommendedTypeChecked,
    {
      languageOptions: {
        parserOptions: {
          projectService: true,
          tsconfigRootDir,
          emitDecoratorMetadata: true,
          experimentalDecorators: true,
        },
      },
      rules: {
        '@typescript-eslint/consistent-type-imports': [
          'error',
          { prefer: 'type-imports', fixStyle: 'inline-type-imports' },
        ],
        '@typescript-eslint/no-unused-vars': [
          'error',
          { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
        ],
        '@typescript-eslint/no-floating-promises': 'error',
        '@typescript-eslint/no-extraneous-class': 'off',
        'no-console': 'error',
      },
    },
    options.host ? {} : { rules: pureLayerRules },
    {
      files: ['**/*.test.ts', 'test/**/*.ts'],
      rules: {
        '@typescript-eslint/no-unsafe-assignment': 'off',
        '@typescript-eslint/no-unsafe-member-access': 'off',
        '@typescript-eslint/no-unsafe-argument': 'off',
        '@typescript-eslint/no-non-null-assertion': 'off',
      },
    },
  );
}
