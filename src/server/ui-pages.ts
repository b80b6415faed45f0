// Owns the list of the hosted pages (SPEC §8): each page's path, its title, and the bundle that draws it
// (src/ui/entries/<entry>.ts, built to dist/ui/<entry>.js). The mailed links land on the pages whose paths
// core/mail.ts writes (`/reset-password`, `/verify-email`, `/confirm-email`).

export interface UiPage {
  /** Where the page is served, e.g. `/sign-in`. */
  path: string;
  /** The document's `<title>`. */
  title: string;
  /** The bundle: src/ui/entries/<entry>.ts → /ui/assets/<entry>.js (and <entry>.css when there is one). */
  entry: string;
  /** The document's language; `en` when absent. */
  lang?: string;
  /**
   * Needs the development-only trace and pane cookie jars (server/explainer-lab.ts): served only where they are on.
   * Elsewhere (production) `/` leads to the sign-in page instead.
   */
  live?: boolean;
}

export const UI_PAGES: readonly UiPage[] = [
  { path: '/sign-in', title: 'Sign in', entry: 'pages' },
  { path: '/sign-up', title: 'Create an account', entry: 'pages' },
  { path: '/forgot-password', title: 'Forgot password', entry: 'pages' },
  { path: '/reset-password', title: 'Choose a new password', entry: 'pages' },
  { path: '/verify-email', title: 'Verify your email', entry: 'pages' },
  { path: '/confirm-email', title: 'Confirm your new email', entry: 'pages' },
  { path: '/account', title: 'Your account', entry: 'pages' },
  { path: '/', title: 'Sessions, tokens and the hybrid, live', entry: 'explainer', live: true },
  { path: '/es/', title: 'Sesiones, tokens y el híbrido, en vivo', entry: 'explainer', lang: 'es', live: true },
];
