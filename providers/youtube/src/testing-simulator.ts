import type { NetworkSimulation } from '@tether/simulator';
import { youtubeSimulation } from './simulator';

/** The simulated network for `/testing`: refresh tokens end 7 days after consent. */
export const simulation: NetworkSimulation = youtubeSimulation({ publishingStatus: 'testing' });
