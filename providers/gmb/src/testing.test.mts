import { compareWithFacts } from '@tether/provider-testkit';
import { expect, it } from 'vitest';
import { simulation } from './testing-simulator.js';
import { gmbInTesting } from './testing.js';

// The conformance suite runs the production entry; the /testing entry must agree with the
// simulator's Testing facts just the same.
it('declares for /testing what Google documents for a consent screen in Testing', () => {
  expect(compareWithFacts(gmbInTesting, simulation.facts).map((d) => d.message)).toEqual([]);
});
