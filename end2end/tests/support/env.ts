/** Where the tests reach the app and the fake Google that `playwright.config.ts` starts. */
export const APP_PORT = 3100;
export const APP_URL = `http://127.0.0.1:${APP_PORT}`;

export const FAKE_GOOGLE_PORT = 4110;
export const FAKE_GOOGLE = `http://127.0.0.1:${FAKE_GOOGLE_PORT}`;

export const FAKE_MICROSOFT_PORT = 4111;
export const FAKE_MICROSOFT = `http://127.0.0.1:${FAKE_MICROSOFT_PORT}`;
