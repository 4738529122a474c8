export { default } from './xing';
