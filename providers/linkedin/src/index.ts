export { default } from './linkedin';
