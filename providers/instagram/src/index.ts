export { default } from './instagram';
