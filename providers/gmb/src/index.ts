export { default } from './gmb';
