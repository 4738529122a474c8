export { default } from './youtube';
