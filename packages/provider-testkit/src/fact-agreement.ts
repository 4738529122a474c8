import type { Provider } from '@tether/provider-sdk';
import type { NetworkFact, NetworkFacts } from '@tether/simulator';

/** One fact on which a provider's declaration and its simulator's table disagree. */
export interface FactDisagreement {
  /** The fact's name in `NetworkFacts`, e.g. `accessTokenSeconds`. */
  readonly fact: keyof NetworkFacts;
  readonly declared: unknown;
  /** Where the declaration says it comes from. */
  readonly declaredSee: string;
  readonly simulated: unknown;
  /** Where the simulator's table says it comes from. */
  readonly simulatedSee: string;
  /** A sentence naming the fact, both values and both sources. */
  readonly message: string;
}

const NO_SOURCE = 'no source declared';

/**
 * Compares what a provider declares (lifetimes, refresh-token end, renewal and rotation, PKCE,
 * client authentication, whether a scope change ends other grants) with the facts its simulator plays, taken from the network's
 * documentation. Either side may be wrong; the message names both sources so the reader can
 * tell which.
 */
export function compareWithFacts(provider: Provider, facts: NetworkFacts): FactDisagreement[] {
  const oauth2 = provider.oauth.version === '2.0' ? provider.oauth : undefined;
  const documentation = provider.documentation ?? NO_SOURCE;
  const { accessToken, refreshToken } = provider.lifetimes;
  const refresh = provider.refresh;
  const pairs: [keyof NetworkFacts, unknown, string, NetworkFact<unknown> | undefined][] = [
    ['accessTokenSeconds', accessToken.seconds, accessToken.see, facts.accessTokenSeconds],
    [
      'refreshTokenSeconds',
      refreshToken?.seconds ?? null,
      refreshToken?.see ?? NO_SOURCE,
      facts.refreshTokenSeconds,
    ],
    [
      'refreshTokenEnds',
      refreshToken?.ends ?? null,
      refreshToken?.see ?? NO_SOURCE,
      facts.refreshTokenEnds,
    ],
    ['renewal', refresh.kind, refresh.see, facts.renewal],
    [
      'rotatesRefreshTokens',
      refresh.kind === 'refresh_token' && refresh.rotates,
      refresh.see,
      facts.rotatesRefreshTokens,
    ],
    ['pkce', oauth2?.pkce ?? 'unsupported', documentation, facts.pkce],
    [
      'clientAuthentication',
      oauth2?.clientAuthentication ?? 'oauth1-signature',
      documentation,
      facts.clientAuthentication,
    ],
  ];
  if (provider.scopeChangeEndsOtherGrants || facts.scopeChangeEndsOtherGrants) {
    pairs.push([
      'scopeChangeEndsOtherGrants',
      provider.scopeChangeEndsOtherGrants !== undefined,
      provider.scopeChangeEndsOtherGrants?.see ?? NO_SOURCE,
      facts.scopeChangeEndsOtherGrants ?? { value: false, see: 'absent from the table' },
    ]);
  }
  if (refresh.kind === 'extend' || facts.extensionMinimumAgeSeconds !== undefined) {
    pairs.push([
      'extensionMinimumAgeSeconds',
      refresh.kind === 'extend' ? refresh.minimumAgeSeconds : null,
      refresh.see,
      facts.extensionMinimumAgeSeconds,
    ]);
  }
  return pairs.flatMap(([fact, declared, declaredSee, simulated]) => {
    const value = simulated?.value ?? null;
    if (Object.is(declared, value)) return [];
    const simulatedSee = simulated?.see ?? 'absent from the table';
    return [
      {
        fact,
        declared,
        declaredSee,
        simulated: value,
        simulatedSee,
        message:
          `${provider.id} ${fact}: the declaration says ${JSON.stringify(declared)} (${declaredSee}), ` +
          `the simulator's facts say ${JSON.stringify(value)} (${simulatedSee})` +
          (simulated?.uncertain ? `; uncertain: ${simulated.uncertain}` : ''),
      },
    ];
  });
}
