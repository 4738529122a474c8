export { default } from './facebook';
