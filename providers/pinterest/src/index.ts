export { default } from './pinterest';
