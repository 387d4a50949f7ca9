// HTML pages of both fakes' sign-in (Google's and Microsoft's look): the consent form and error pages.
// Every value that comes from a request is HTML-escaped.

export const GMAIL_READONLY = 'https://www.googleapis.com/auth/gmail.readonly';

export const MICROSOFT_MAIL_READ = 'https://graph.microsoft.com/Mail.Read';

const SCOPE_LABELS = new Map([
  [GMAIL_READONLY, 'Gmail (read-only)'],
  [MICROSOFT_MAIL_READ, 'Read your mail'],
]);

// How each fake names itself on its pages.
export const GOOGLE_BRAND = Object.freeze({
  name: 'Google Accounts',
  heading: 'Sign in with Google',
  account: 'Google Account',
  askEmailVerified: true,
});
export const MICROSOFT_BRAND = Object.freeze({
  name: 'Microsoft account',
  heading: 'Sign in with Microsoft',
  account: 'Microsoft account',
  askEmailVerified: false,
});

// Request parameters carried from the consent page to the decision, unchanged.
export const CARRIED_PARAMS = Object.freeze([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'code_challenge',
  'code_challenge_method',
  'access_type',
  'prompt',
  'include_granted_scopes',
  'login_hint',
  'nonce',
]);

export function escapeHtml(value) {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

export function scopeLabel(scope) {
  return SCOPE_LABELS.get(scope) ?? scope;
}

const STYLE = `
  body { font-family: system-ui, sans-serif; background: #f1f3f4; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; }
  h1 { font-size: 1.4rem; font-weight: 500; margin-top: 0; }
  fieldset { border: 1px solid #dadce0; border-radius: 4px; margin: 1rem 0; }
  .field { margin: .4rem 0; }
  .field code { display: block; color: #5f6368; font-size: .75rem; margin-left: 1.6rem; }
  input[type=email] { width: 100%; box-sizing: border-box; padding: .4rem; }
  .buttons { display: flex; gap: 1rem; justify-content: flex-end; }
  button { padding: .5rem 1.5rem; }
  .error { color: #b3261e; }
`;

function page(title, content) {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`;
}

// The consent page. `request` is the validated authorization request,
// `params` the raw query parameters to carry over in hidden fields.
export function consentPage({ request, params, decisionPath, defaultEmail, brand = GOOGLE_BRAND, carried = CARRIED_PARAMS }) {
  const hidden = carried.filter((name) => params[name] !== undefined)
    .map((name) => `<input type="hidden" name="${name}" value="${escapeHtml(params[name])}">`)
    .join('\n');
  const scopes = request.scopes
    .map((scope, i) => {
      const id = `scope-${i}`;
      const label = scopeLabel(scope);
      const detail = label === scope ? '' : `<code>${escapeHtml(scope)}</code>`;
      return `<div class="field"><input type="checkbox" id="${id}" name="granted_scope" value="${escapeHtml(scope)}" data-scope="${escapeHtml(scope)}" checked> <label for="${id}">${escapeHtml(label)}</label>${detail}</div>`;
    })
    .join('\n');
  return page(
    `Sign in - ${brand.name} (fake)`,
    `<h1>${brand.heading}</h1>
<p><strong>${escapeHtml(request.clientId)}</strong> wants to access your ${brand.account}.</p>
<form method="post" action="${escapeHtml(decisionPath)}">
${hidden}
<div class="field"><label for="email">Email</label>
<input type="email" id="email" name="email" value="${escapeHtml(defaultEmail)}" autocomplete="off"></div>
<fieldset><legend>Allow access to</legend>
${scopes}
</fieldset>
${brand.askEmailVerified ? '<div class="field"><input type="checkbox" id="email_verified" name="email_verified" value="true" checked> <label for="email_verified">Email verified</label></div>\n' : ''}<div class="buttons">
<button type="submit" name="decision" value="deny">Deny</button>
<button type="submit" name="decision" value="allow">Allow</button>
</div>
</form>`,
  );
}

// A Google-style error page, e.g. "Error 400: invalid_request".
export function errorPage(status, error, message, brand = GOOGLE_BRAND) {
  return page(
    `Error ${status}: ${error} - ${brand.name} (fake)`,
    `<h1>Access blocked: authorization error</h1>
<p class="error" id="error-code">Error ${escapeHtml(status)}: ${escapeHtml(error)}</p>
<p id="error-message">${escapeHtml(message)}</p>`,
  );
}
