// The admin endpoints both fakes answer alike: health, recorded calls, reset, faults and
// grants. Each fake adds its own (config, mail) beside them.
import { normalizeEmail, sendJson } from './http.mjs';

/**
 * Answers `key` ("METHOD /__admin/…") when it is a shared endpoint; returns whether it did.
 * `checkFault` validates a new fault (throws an HttpError), `describeFault` shapes one for
 * the answer.
 */
export function answerSharedAdmin({ key, state, res, url, body, checkFault, describeFault = (fault) => fault }) {
  const one = (name) => url.searchParams.get(name) ?? undefined;
  switch (key) {
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
