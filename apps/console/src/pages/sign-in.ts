import { h, notice, replace } from '../dom';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem, signIn } from '../session';

/**
 * Signing in with an API key: the key is tried against the API and kept in this tab's
 * sessionStorage. (Signing in with a one-time link by email is not built yet.)
 */
export function signInPage({ main }: PageContext, signedIn: () => void): void {
  const input = h('input', {
    id: 'api-key',
    name: 'apiKey',
    type: 'password',
    autocomplete: 'off',
    required: true,
    'aria-describedby': 'api-key-help',
  });
  const outcome = h('div');
  const form = h(
    'form',
    {
      class: 'card',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void attempt();
      },
    },
    h('p', {}, h('label', { for: 'api-key' }, 'API key')),
    h('p', {}, input),
    h(
      'p',
      { id: 'api-key-help', class: 'muted' },
      'A key of this workspace (tth_…), or the instance’s admin key. It is kept in this tab only.',
    ),
    h('button', { type: 'submit' }, 'Sign in'),
    outcome,
  );
  async function attempt(): Promise<void> {
    const apiKey = input.value.trim();
    const { error, response } = await client(apiKey).GET('/api/v1/connections', {
      params: { query: { limit: 1 } },
    });
    if (response.ok) {
      signIn(apiKey);
      signedIn();
      return;
    }
    replace(
      outcome,
      notice(describeProblem(error, `The API answered ${response.status}.`), 'alert'),
    );
    input.focus();
  }
  replace(main, h('h1', {}, 'Sign in to Tether'), form);
  pageShown(main, 'Sign in');
}
