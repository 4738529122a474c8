import { tetherConfig } from '@tether/eslint-config';

export default [{ ignores: ['src/generated/**'] }, ...tetherConfig(import.meta.dirname)];
