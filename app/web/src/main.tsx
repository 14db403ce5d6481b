import { render } from 'preact';
import { App } from './app';
import './style.css';

const root = document.getElementById('app');
if (root) {
  render(<App />, root);
  // Time to first render, for `npm run measure` (and anyone curious): navigation start → the
  // first paint of the app shell.
  requestAnimationFrame(() => performance.mark('spice:first-render'));
}
