/**
 * The one stylesheet every page inlines (under the response's CSP nonce). Colours are chosen for WCAG 2.2 AA:
 * body text ≥ 7:1, muted text ≥ 4.5:1, control borders and focus rings ≥ 3:1 against their background.
 *
 * @see https://www.w3.org/TR/WCAG22/#contrast-minimum
 * @see https://www.w3.org/TR/WCAG22/#focus-appearance
 */
export const PAGE_STYLES = `
:root {
  color-scheme: light dark;
  --bg: #f3f4f6;
  --card: #ffffff;
  --text: #111827;
  --muted: #4b5563;
  --border: #d1d5db;
  --control: #6b7280;
  --primary: #1d4ed8;
  --primary-hover: #1e40af;
  --on-primary: #ffffff;
  --secondary: #ffffff;
  --secondary-hover: #f3f4f6;
  --focus: #2563eb;
  --error-bg: #fef2f2;
  --error-text: #991b1b;
  --error-border: #f87171;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #0b0f17;
    --card: #161b26;
    --text: #f3f4f6;
    --muted: #c4c9d2;
    --border: #374151;
    --control: #9ca3af;
    --primary: #93c5fd;
    --primary-hover: #bfdbfe;
    --on-primary: #0b0f17;
    --secondary: #161b26;
    --secondary-hover: #1f2937;
    --focus: #93c5fd;
    --error-bg: #2a1215;
    --error-text: #fecaca;
    --error-border: #f87171;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; text-size-adjust: 100%; }
body {
  margin: 0;
  min-height: 100vh;
  min-height: 100dvh;
  display: flex;
  flex-direction: column;
  align-items: center;
  justify-content: center;
  padding: 2rem 1rem;
  background: var(--bg);
  color: var(--text);
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font-size: 1rem;
  line-height: 1.5;
}
main {
  width: 100%;
  max-width: 26rem;
  padding: 2rem;
  background: var(--card);
  border: 1px solid var(--border);
  border-radius: 0.75rem;
  box-shadow: 0 1px 2px rgb(0 0 0 / 0.05), 0 8px 24px rgb(0 0 0 / 0.06);
  overflow-wrap: anywhere;
}
.brand {
  margin: 0 0 1.5rem;
  font-size: 0.875rem;
  font-weight: 600;
  letter-spacing: 0.02em;
  color: var(--muted);
}
h1 { margin: 0 0 0.5rem; font-size: 1.375rem; line-height: 1.3; font-weight: 650; }
p { margin: 0 0 1rem; }
.lead { color: var(--muted); }
.note { margin: 1.25rem 0 0; font-size: 0.875rem; color: var(--muted); }
.code { margin: 1.25rem 0 0; font-size: 0.8125rem; color: var(--muted); font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
form { margin: 1.5rem 0 0; }
.field { margin: 0 0 1rem; }
label { display: block; margin: 0 0 0.375rem; font-size: 0.9375rem; font-weight: 600; }
input[type="text"], input[type="password"], input[type="email"] {
  display: block;
  width: 100%;
  min-height: 2.75rem;
  padding: 0.5rem 0.75rem;
  font: inherit;
  color: var(--text);
  background: var(--card);
  border: 1px solid var(--control);
  border-radius: 0.5rem;
}
input[aria-invalid="true"] { border-color: var(--error-border); }
button {
  display: inline-flex;
  align-items: center;
  justify-content: center;
  min-height: 2.75rem;
  padding: 0.5rem 1.25rem;
  font: inherit;
  font-weight: 600;
  border-radius: 0.5rem;
  border: 1px solid var(--primary);
  background: var(--primary);
  color: var(--on-primary);
  cursor: pointer;
}
button:hover { background: var(--primary-hover); border-color: var(--primary-hover); }
button[value="deny"], button.secondary {
  background: var(--secondary);
  color: var(--text);
  border-color: var(--control);
}
button[value="deny"]:hover, button.secondary:hover { background: var(--secondary-hover); border-color: var(--control); }
.block { width: 100%; margin-top: 0.5rem; }
.qr { display: block; width: 12rem; height: 12rem; margin: 1rem auto; }
.secret, .recovery-codes { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; letter-spacing: 0.05em; }
.recovery-codes { columns: 2; padding-left: 1.5rem; }
.actions { display: flex; flex-wrap: wrap-reverse; justify-content: flex-end; gap: 0.75rem; margin-top: 1.5rem; }
.actions button { flex: 1 1 8rem; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
input:focus-visible { outline-offset: 0; }
.alert {
  margin: 1rem 0 0;
  padding: 0.75rem 1rem;
  border: 1px solid var(--error-border);
  border-left-width: 4px;
  border-radius: 0.5rem;
  background: var(--error-bg);
  color: var(--error-text);
  font-size: 0.9375rem;
}
.scopes { list-style: none; margin: 1.25rem 0 0; padding: 0; border-top: 1px solid var(--border); }
.scopes li { position: relative; padding: 0.75rem 0 0.75rem 1.75rem; border-bottom: 1px solid var(--border); }
.scopes li::before {
  content: "";
  position: absolute;
  left: 0.25rem;
  top: 1.05rem;
  width: 0.5rem;
  height: 0.875rem;
  border: solid var(--primary);
  border-width: 0 2px 2px 0;
  transform: rotate(45deg);
}
.account { display: block; margin: 0.25rem 0 0; font-weight: 600; color: var(--text); }
main.wide { max-width: 40rem; }
h2 { margin: 2rem 0 0.5rem; padding-top: 1.5rem; border-top: 1px solid var(--border); font-size: 1.125rem; font-weight: 650; }
section form { margin-top: 1rem; }
.items { list-style: none; margin: 1rem 0 0; padding: 0; border-top: 1px solid var(--border); }
.items li { padding: 0.75rem 0; border-bottom: 1px solid var(--border); }
.items form { margin: 0.5rem 0 0; }
.detail { display: block; font-size: 0.875rem; color: var(--muted); }
.badge { font-size: 0.75rem; font-weight: 600; padding: 0.125rem 0.5rem; border: 1px solid var(--control); border-radius: 999px; color: var(--muted); }
.notice { margin: 1rem 0 0; padding: 0.75rem 1rem; border: 1px solid var(--control); border-left-width: 4px; border-radius: 0.5rem; font-size: 0.9375rem; }
.links { margin: 1.25rem 0 0; font-size: 0.9375rem; }
a { color: var(--accent, var(--primary)); }
.brand img { display: block; max-width: 10rem; max-height: 3rem; margin: 0 0 0.5rem; }
@media (max-width: 30rem) {
  body { justify-content: flex-start; padding: 0; background: var(--card); }
  main { max-width: none; border: 0; border-radius: 0; box-shadow: none; padding: 1.5rem 1.25rem; }
}
@media (forced-colors: active) {
  .scopes li::before { border-color: CanvasText; }
  :focus-visible { outline-color: Highlight; }
}
`
