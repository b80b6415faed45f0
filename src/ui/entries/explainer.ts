// Owns the live explainer's entry (served at `/`, and `/es/` in Spanish, when the hosted pages are on): makes the lab
// (one gatehouse/client per mode) and draws the page into #app, again whenever a pane changes.
import { h, render } from 'preact';
import { CONTENT_EN } from '../explainer/content.js';
import { CONTENT_ES } from '../explainer/content-es.js';
import { PageView } from '../explainer/page-view.js';
import { createLab, type LabActions } from '../explainer/state.js';

const root = document.getElementById('app');
// The page's language is the one UI_PAGES gave it: `/` English, `/es/` Spanish.
const text = document.documentElement.lang === 'es' ? CONTENT_ES : CONTENT_EN;

if (root) {
  const lab: { actions?: LabActions } = {};
  const draw = () => {
    const { actions } = lab;
    if (actions) render(h(PageView, { lab: actions.get(), actions, c: text }), root);
  };
  lab.actions = createLab(draw);
  draw();
}
