import { h, notice, replace } from '../dom';
import { pageShown, type PageContext } from '../page';
import { client, describeProblem, signIn } from '../session';

/**
 * Asking for a one-time sign-in link by email. The API answers the same whether or not the
 * address is a user's, and so does this form.
 */
function emailLinkForm(): HTMLFormElement {
  const input = h('input', {
    id: 'sign-in-email',
    name: 'email',
    type: 'email',
    autocomplete: 'email',
    required: true,
    'aria-describedby': 'sign-in-email-help',
  });
  const outcome = h('div');
  const button = h('button', { type: 'submit' }, 'Email me a sign-in link');
  async function send(): Promise<void> {
    button.disabled = true;
    const { data, error } = await client().POST('/api/v1/sign-in-links', {
      body: { email: input.value.trim() },
    });
    button.disabled = false;
    if (data) replace(outcome, notice(`${data.detail} Open it in this browser.`));
    else replace(outcome, notice(describeProblem(error, 'No link could be sent.'), 'alert'));
  }
  return h(
    'form',
    {
      class: 'card',
      onsubmit: (event: Event) => {
        event.preventDefault();
        void send();
      },
    },
    h('h2', {}, 'With a link by email'),
    h('p', {}, h('label', { for: 'sign-in-email' }, 'Email address')),
    h('p', {}, input),
    h(
      'p',
      { id: 'sign-in-email-help', class: 'muted' },
      'The address your workspace knows you by. The link works once, for 15 minutes.',
    ),
    button,
    outcome,
  );
}

/**
 * Signing in: with a one-time link sent by email, or with an API key, which is tried against
 * the API and kept in this tab's sessionStorage.
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
    h('h2', {}, 'With an API key'),
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
  replace(main, h('h1', {}, 'Sign in to Tether'), emailLinkForm(), form);
  pageShown(main, 'Sign in');
}
