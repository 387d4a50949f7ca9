// The admin endpoints both fakes answer alike: health, recorded calls, reset, faults, settings
// and grants. Each fake adds its own (mail, revocations) beside them.
import { adminEmail, normalizeEmail, sendJson } from './http.mjs';

/**
 * Answers `key` ("METHOD /__admin/…") when it is a shared endpoint; returns whether it did.
 * `checkFault` validates a new fault and `checkConfig` new settings (both throw an HttpError),
 * `describeFault` shapes a fault for the answer.
 */
export function answerSharedAdmin({ key, state, res, url, body, checkFault, checkConfig, describeFault = (fault) => fault }) {
  const one = (name) => url.searchParams.get(name) ?? undefined;
  // Settings name an account (`email`) when they are that account's only.
  const account = (email) => (email === undefined ? undefined : adminEmail(email));
  switch (key) {
    case 'GET /__admin/config':
      sendJson(res, 200, state.configFor(account(one('email'))));
      return true;
    case 'POST /__admin/config': {
      const { email, ...settings } = body;
      sendJson(res, 200, state.setConfig(checkConfig(settings), account(email)));
      return true;
    }
    case 'GET /__admin/health':
      sendJson(res, 200, { ok: true });
      return true;
    case 'GET /__admin/calls': {
      const filters = { endpoint: one('endpoint'), grant_type: one('grant_type'), operation: one('operation'), account: one('account') };
      if (filters.account !== undefined) filters.account = normalizeEmail(filters.account) ?? filters.account;
      const wanted = Object.entries(filters).filter(([, v]) => v !== undefined);
      sendJson(res, 200, state.calls.filter((c) => wanted.every(([k, v]) => c[k] === v)));
      return true;
    }
    case 'POST /__admin/reset':
      state.reset();
      sendJson(res, 200, { ok: true });
      return true;
    case 'GET /__admin/faults':
      sendJson(res, 200, state.faults.map(describeFault));
      return true;
    case 'POST /__admin/faults':
      sendJson(res, 200, describeFault(state.addFault(checkFault(body))));
      return true;
    case 'DELETE /__admin/faults':
      state.faults = [];
      sendJson(res, 200, { ok: true });
      return true;
    case 'GET /__admin/grants': {
      const email = one('email');
      sendJson(res, 200, state.describeGrants(email === undefined ? undefined : normalizeEmail(email)));
      return true;
    }
    default:
      return false;
  }
}
