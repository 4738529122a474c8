import { facebookGraphSimulation } from '@tether/provider-meta/simulator';
import type { NetworkSimulation } from '@tether/simulator';
import { instagramFacebookLogin } from './facebook-login';

/**
 * Facebook Login for Instagram and the Graph calls the provider makes: the long-lived exchange,
 * `/me`, `/me/accounts` with each Page's linked Instagram account and Page token, and
 * `DELETE /{user-id}/permissions`.
 */
export const facebookLoginSimulation: NetworkSimulation = facebookGraphSimulation({
  provider: instagramFacebookLogin,
  people: [
    {
      id: 'nadia',
      name: 'Nadia Haddad',
      accounts: [
        {
          id: '105000000000001',
          name: 'Haddad Studio',
          kind: 'page',
          details: {
            instagram_business_account: { id: '17841400000000021', username: 'haddad.studio' },
          },
        },
        { id: '105000000000002', name: 'Haddad Archive', kind: 'page' },
      ],
    },
    // Manages a Page, but no Instagram account is linked to it.
    {
      id: 'omar',
      name: 'Omar Said',
      accounts: [{ id: '105000000000003', name: 'Omar’s Garage', kind: 'page' }],
    },
    // A personal profile with no Page at all.
    { id: 'ivy', name: 'Ivy Chen', accounts: [] },
  ],
  throttling: {
    code: 80002,
    type: 'instagram',
    objectId: '17841400000000021',
    message:
      '(#80002) There have been too many calls to this Instagram account. Wait a bit and try again.',
  },
});

/** The name the host's sandbox reads from a `…/simulator` entry point. */
export { facebookLoginSimulation as simulation };
