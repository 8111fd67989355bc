/**
 * The one script Tessera's pages run, served as a static asset (`/passkeys/script.js`) and loaded with the
 * page's CSP nonce: it turns a `<form data-webauthn="create|get" data-options="…">` into a WebAuthn
 * ceremony and posts the result as JSON in the form's `credential` field. Forms without that attribute,
 * and every other page, work without JavaScript.
 *
 * Hand-written rather than `@simplewebauthn/browser`: the project ships no bundler for its pages, and what
 * is needed is a dozen lines — base64url to and from bytes around `navigator.credentials.create/get`.
 *
 * @see https://www.w3.org/TR/webauthn-3/#sctn-parseCreationOptionsFromJSON
 */
export const PASSKEY_SCRIPT = `'use strict';
(() => {
  const bytes = (text) => Uint8Array.from(atob(text.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const text = (buffer) => btoa(String.fromCharCode(...new Uint8Array(buffer))).replace(/\\+/g, '-').replace(/\\//g, '_').replace(/=+$/, '');
  for (const form of document.querySelectorAll('form[data-webauthn]')) {
    form.addEventListener('submit', async (event) => {
      const field = form.elements.namedItem('credential');
      if (field.value !== '') return;
      event.preventDefault();
      const status = document.getElementById('passkey-status');
      const create = form.dataset.webauthn === 'create';
      const options = JSON.parse(form.dataset.options);
      options.challenge = bytes(options.challenge);
      if (options.user) options.user.id = bytes(options.user.id);
      for (const credential of (create ? options.excludeCredentials : options.allowCredentials) || []) credential.id = bytes(credential.id);
      try {
        const credential = create ? await navigator.credentials.create({ publicKey: options }) : await navigator.credentials.get({ publicKey: options });
        const r = credential.response;
        const response = create
          ? { clientDataJSON: text(r.clientDataJSON), attestationObject: text(r.attestationObject), transports: r.getTransports ? r.getTransports() : [] }
          : { clientDataJSON: text(r.clientDataJSON), authenticatorData: text(r.authenticatorData), signature: text(r.signature), userHandle: r.userHandle ? text(r.userHandle) : undefined };
        field.value = JSON.stringify({ id: credential.id, rawId: text(credential.rawId), type: credential.type, response, authenticatorAttachment: credential.authenticatorAttachment || undefined, clientExtensionResults: credential.getClientExtensionResults() });
        form.submit();
      } catch (error) {
        if (status) status.textContent = form.dataset.cancelled || '';
      }
    });
  }
})();
`
