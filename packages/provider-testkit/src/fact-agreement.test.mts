import { defineProvider, type OAuth2Declaration } from '@tether/provider-sdk';
import { describe, expect, it } from 'vitest';
import { compareWithFacts } from './fact-agreement.js';
import { fixtureProvider } from './fixture-provider.js';
import { facts } from './fixture-simulation.js';

const oauth = fixtureProvider.oauth as OAuth2Declaration;

describe('compareWithFacts', () => {
  it('finds nothing when the declaration says what the network documents', () => {
    expect(compareWithFacts(fixtureProvider, facts)).toEqual([]);
  });

  it('names each fact the declaration gets wrong, with both values and both sources', () => {
    const wrong = defineProvider({
      ...fixtureProvider,
      oauth: { ...oauth, pkce: 'required', clientAuthentication: 'body' },
      lifetimes: {
        accessToken: { seconds: 7200, see: 'https://declared.example/lifetimes' },
        refreshToken: {
          seconds: 365 * 24 * 3600,
          ends: 'fixed_from_first_grant',
          see: 'https://declared.example/refresh',
        },
      },
      refresh: { kind: 'refresh_token', rotates: false, see: 'https://declared.example/rotation' },
      documentation: 'https://declared.example/docs',
    });
    const found = compareWithFacts(wrong, facts);
    expect(found.map((d) => d.fact)).toEqual([
      'accessTokenSeconds',
      'refreshTokenSeconds',
      'refreshTokenEnds',
      'rotatesRefreshTokens',
      'pkce',
      'clientAuthentication',
    ]);
    expect(found[0]!.message).toBe(
      `fixture accessTokenSeconds: the declaration says 7200 (https://declared.example/lifetimes), ` +
        `the simulator's facts say 3600 (https://datatracker.ietf.org/doc/html/rfc6749#section-4.1.4); ` +
        `uncertain: ${facts.accessTokenSeconds.uncertain}`,
    );
    expect(found[3]).toMatchObject({
      declared: false,
      declaredSee: 'https://declared.example/rotation',
      simulated: true,
      simulatedSee: facts.rotatesRefreshTokens.see,
    });
  });

  it('fails on a renewal the network does not offer', () => {
    const reauthorizing = defineProvider({
      ...fixtureProvider,
      lifetimes: { accessToken: fixtureProvider.lifetimes.accessToken },
      refresh: { kind: 'reauthorize', see: 'https://declared.example/renewal' },
    });
    expect(compareWithFacts(reauthorizing, facts).map((d) => d.fact)).toEqual([
      'refreshTokenSeconds',
      'refreshTokenEnds',
      'renewal',
      'rotatesRefreshTokens',
    ]);
  });

  it('fails when only the simulator ends other grants on a scope change', () => {
    const endsOthers = {
      ...facts,
      scopeChangeEndsOtherGrants: { value: true, see: 'https://network.example/grants' },
    };
    expect(compareWithFacts(fixtureProvider, endsOthers)).toMatchObject([
      { fact: 'scopeChangeEndsOtherGrants', declared: false, simulated: true },
    ]);
  });
});
