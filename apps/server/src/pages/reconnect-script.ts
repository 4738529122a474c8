/**
 * The reconnect page's script: Reconnect opens the network in a popup and, once the callback
 * page reports back (`tether:connect`), reloads the page to show the outcome. When the browser
 * blocks the popup, the form posts as usual and the network opens in this window instead,
 * coming back to this page when done.
 */
export const RECONNECT_SCRIPT = `
const form = document.getElementById('reconnect');
const progress = document.getElementById('progress');
form.addEventListener('submit', async (event) => {
  const popup = window.open('', 'tether-reconnect', 'popup,width=520,height=720');
  if (!popup) return;
  event.preventDefault();
  progress.textContent = 'Finish reconnecting in the window that opened.';
  let started;
  try {
    const response = await fetch(form.action + '?mode=popup', {
      method: 'POST',
      headers: { accept: 'application/json' },
    });
    started = await response.json();
    if (!response.ok) throw new Error(started.detail);
  } catch (error) {
    popup.close();
    progress.textContent = (error && error.message) || 'Tether could not start reconnecting; try again.';
    return;
  }
  popup.location.href = started.authorizationUrl;
  let finished = false;
  window.addEventListener('message', (message) => {
    const data = message.data;
    if (message.origin !== location.origin || !data || data.type !== 'tether:connect') return;
    if (data.sessionId !== started.id) return;
    finished = true;
    location.replace(location.pathname + '?session=' + encodeURIComponent(started.id));
  });
  const watch = setInterval(() => {
    if (!popup.closed) return;
    clearInterval(watch);
    if (!finished) progress.textContent = 'The window was closed before reconnecting finished. Press Reconnect to try again.';
  }, 500);
});
`;
