export { default } from './tiktok';
