import { h } from './dom';

/**
 * Asks before an action that cannot be undone, in a modal dialog the keyboard can answer:
 * Cancel (the default, and Escape) or the action, which then runs.
 */
export function confirmAction(
  parent: HTMLElement,
  question: { title: string; text: string; action: string },
  confirmed: () => void,
): void {
  const dialog: HTMLDialogElement = h(
    'dialog',
    { 'aria-labelledby': 'confirm-title' },
    h('h2', { id: 'confirm-title' }, question.title),
    h('p', {}, question.text),
    h(
      'form',
      { method: 'dialog', class: 'actions' },
      h('button', { type: 'submit', value: 'cancel', class: 'secondary' }, 'Cancel'),
      h(
        'button',
        { type: 'button', class: 'danger', onclick: () => (dialog.close(), confirmed()) },
        question.action,
      ),
    ),
  );
  dialog.addEventListener('close', () => dialog.remove());
  parent.append(dialog);
  dialog.showModal();
}
