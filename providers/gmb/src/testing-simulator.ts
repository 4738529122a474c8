import type { NetworkSimulation } from '@tether/simulator';
import { gmbSimulation } from './simulator';

/** The simulated network for `/testing`: refresh tokens end 7 days after consent. */
export const simulation: NetworkSimulation = gmbSimulation({ publishingStatus: 'testing' });
