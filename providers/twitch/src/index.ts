export { default } from './twitch';
