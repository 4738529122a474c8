export { default } from './twitter';
