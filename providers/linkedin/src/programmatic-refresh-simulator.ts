// The sandbox loads '<entry>/simulator'; this is the programmatic-refresh entry's simulator.
export { programmaticRefreshSimulation as simulation } from './simulator';
