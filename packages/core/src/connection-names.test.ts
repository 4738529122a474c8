import { describe, expect, it } from 'vitest';
import { defaultConnectionNames } from './connection-names';

const gmb = { id: 'gmb', displayName: 'Google Business Profile' };

describe('defaultConnectionNames', () => {
  it('names a connection after its account, not the person who authorized', () => {
    expect(
      defaultConnectionNames(
        [
          { id: 'locations/1', name: 'Fischer Bakery Altstadt' },
          { id: 'locations/2', name: 'Lena’s Coffee Cart' },
        ],
        gmb,
        [],
      ),
    ).toEqual(['Fischer Bakery Altstadt', 'Lena’s Coffee Cart']);
  });

  // Regression: three Business Profile locations were all called `lena@example.com 2026-12-01 06:07`.
  it('tells apart accounts of one authorization that share a name by their id', () => {
    expect(
      defaultConnectionNames(
        [
          { id: 'locations/1', name: 'Fischer Bakery' },
          { id: 'locations/2', name: 'Fischer Bakery' },
          { id: 'locations/3', name: 'Hafen' },
        ],
        gmb,
        [],
      ),
    ).toEqual([
      'Fischer Bakery (Google Business Profile, locations/1)',
      'Fischer Bakery (Google Business Profile, locations/2)',
      'Hafen',
    ]);
  });

  it('adds the network where another network has the name, the id where this one has', () => {
    expect(
      defaultConnectionNames([{ id: 'locations/1', name: 'Acme Bakery' }], gmb, [
        { name: 'Acme Bakery', provider: 'facebook' },
      ]),
    ).toEqual(['Acme Bakery (Google Business Profile)']);
    expect(
      defaultConnectionNames([{ id: 'locations/1', name: 'Acme Bakery' }], gmb, [
        { name: 'Acme Bakery', provider: 'gmb' },
      ]),
    ).toEqual(['Acme Bakery (Google Business Profile, locations/1)']);
    expect(
      defaultConnectionNames([{ id: 'locations/1', name: 'Acme Bakery' }], gmb, [
        { name: 'Acme Bakery', provider: 'facebook' },
        { name: 'Acme Bakery (Google Business Profile)', provider: 'gmb' },
      ]),
    ).toEqual(['Acme Bakery (Google Business Profile, locations/1)']);
  });
});
