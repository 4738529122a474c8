import { facebookGraphSimulation } from '@tether/provider-meta/simulator';
import type { NetworkSimulation } from '@tether/simulator';
import { facebook } from './facebook';

/**
 * Facebook Login and the Graph calls the provider makes: the long-lived exchange, `/me`,
 * `/me/accounts` (with Page tokens), `debug_token` and `DELETE /{user-id}/permissions`.
 */
export const simulation: NetworkSimulation = facebookGraphSimulation({
  provider: facebook,
  people: [
    {
      id: 'rosa',
      name: 'Rosa Martín',
      accounts: [
        {
          id: '104857600000001',
          name: 'Rosa’s Bakery',
          kind: 'page',
          details: {
            category: 'Bakery',
            tasks: ['ANALYZE', 'ADVERTISE', 'MODERATE', 'CREATE_CONTENT', 'MANAGE'],
            instagram_business_account: { id: '17841400000000001' },
          },
        },
        {
          id: '104857600000002',
          name: 'Rosa Catering',
          kind: 'page',
          details: { category: 'Caterer', tasks: ['ANALYZE', 'CREATE_CONTENT', 'MODERATE'] },
        },
      ],
    },
    // A personal profile administering no Page: nothing Tether can manage.
    { id: 'sam', name: 'Sam Okafor', accounts: [] },
  ],
  // Page calls fall under Business Use Case limits.
  throttling: {
    code: 80001,
    type: 'pages',
    objectId: '104857600000001',
    message:
      '(#80001) There have been too many calls to this Page account. Wait a bit and try again.',
  },
});
