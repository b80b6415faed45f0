// Owns the hosted pages' entry (dist/ui/pages.js): picks the page by the path it was served at (server/ui-pages.ts)
// and draws it into #app. A mailed link's token is taken from the fragment before anything else runs.
import { html, render } from 'htm/preact';
import type { VNode } from 'preact';
import { takeLinkToken } from '../api.js';
import { Account } from '../pages/account.js';
import { ConfirmEmail, ForgotPassword, ResetPassword, VerifyEmail } from '../pages/links.js';
import { SignIn, SignUp } from '../pages/sign-in.js';

const token = takeLinkToken();

const PAGES: Readonly<Record<string, () => VNode>> = {
  '/sign-in': () => html`<${SignIn} />`,
  '/sign-up': () => html`<${SignUp} />`,
  '/forgot-password': () => html`<${ForgotPassword} />`,
  '/reset-password': () => html`<${ResetPassword} token=${token} />`,
  '/verify-email': () => html`<${VerifyEmail} token=${token} />`,
  '/confirm-email': () => html`<${ConfirmEmail} token=${token} />`,
  '/account': () => html`<${Account} />`,
};

const app = document.getElementById('app');
const page = PAGES[location.pathname.replace(/\/+$/, '')] ?? PAGES['/sign-in'];
if (app && page) {
  app.textContent = '';
  render(page(), app);
}
