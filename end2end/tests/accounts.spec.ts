import { expect, test } from './support/test';
import {
  ConnectionsPage,
  Header,
  PASSWORD,
  SignInPage,
  SignUpPage,
  signIn,
  signOut,
  signUp,
  uniqueEmail,
} from './support/pages';

const SESSION_COOKIE = 'mc_session';
const WRONG_CREDENTIALS = 'Incorrect email or password.';

test.describe('app accounts', () => {
  test('sign up lands on an empty connections page', async ({ page }) => {
    const email = uniqueEmail('signup');
    await signUp(page, email);

    const connections = new ConnectionsPage(page);
    await expect(connections.heading).toBeVisible();
    await expect(connections.accountsHeading).toBeVisible();
    await expect(connections.emptyState).toBeVisible();
    await new Header(page).expectSignedInAs(email);
  });

  test('sign out, then sign in again', async ({ page }) => {
    const email = uniqueEmail('again');
    await signUp(page, email);

    await signOut(page);
    await expect(new Header(page).signOutButton).toHaveCount(0);

    await page.goto('/connections');
    await expect(page).toHaveURL(/\/signin$/);

    await signIn(page, email);
    await new Header(page).expectSignedInAs(email);
    await expect(new ConnectionsPage(page).emptyState).toBeVisible();
  });

  test('a wrong password is refused and stays on /signin', async ({ page }) => {
    const email = uniqueEmail('wrongpw');
    await signUp(page, email);
    await signOut(page);

    const signInPage = new SignInPage(page);
    await signInPage.goto();
    await signInPage.submit(email, 'not the password');
    await expect(signInPage.error).toHaveText(WRONG_CREDENTIALS);
    await expect(page).toHaveURL(/\/signin$/);
    await expect(signInPage.heading).toBeVisible();
  });

  test('an unknown email gets the same message as a wrong password', async ({ page }) => {
    const signInPage = new SignInPage(page);
    await signInPage.goto();
    await signInPage.submit(uniqueEmail('nobody'), PASSWORD);
    await expect(signInPage.error).toHaveText(WRONG_CREDENTIALS);
    await expect(page).toHaveURL(/\/signin$/);
  });

  test('/connections sends a signed-out visitor to /signin', async ({ page }) => {
    await page.goto('/connections');
    await expect(page).toHaveURL(/\/signin$/);
    await expect(new SignInPage(page).heading).toBeVisible();
  });

  test('/signin and /signup send a signed-in user to /connections', async ({ page }) => {
    await signUp(page, uniqueEmail('guestpages'));
    const connections = new ConnectionsPage(page);

    await page.goto('/signin');
    await connections.expectLoaded();

    await page.goto('/signup');
    await connections.expectLoaded();
  });

  test.describe('sign-up validation', () => {
    const cases = [
      { name: 'empty email', email: '', password: PASSWORD, message: 'Enter your email address.' },
      {
        name: 'malformed email',
        email: 'not-an-email',
        password: PASSWORD,
        message: 'Enter a valid email address, like name@example.com.',
      },
      {
        name: 'short password',
        email: 'short-password@example.com',
        password: 'short',
        message: 'Use a password of at least 8 characters.',
      },
    ];

    for (const { name, email, password, message } of cases) {
      test(`${name}: "${message}"`, async ({ page }) => {
        const signUpPage = new SignUpPage(page);
        await signUpPage.goto();
        await signUpPage.submit(email, password);
        await expect(signUpPage.error).toHaveText(message);
        await expect(page).toHaveURL(/\/signup$/);
        await expect(signUpPage.heading).toBeVisible();
      });
    }

    test('an email that already has an account', async ({ page }) => {
      const email = uniqueEmail('duplicate');
      await signUp(page, email);
      await signOut(page);

      const signUpPage = new SignUpPage(page);
      await signUpPage.goto();
      await signUpPage.submit(email, 'another password');
      await expect(signUpPage.error).toHaveText(
        'An account with this email already exists. Sign in instead.',
      );
      await expect(page).toHaveURL(/\/signup$/);
    });
  });

  test('the session cookie is HttpOnly, SameSite=Lax, and new on every sign-in', async ({
    page,
    context,
  }) => {
    const sessionCookie = async () => {
      const cookies = await context.cookies();
      return cookies.find((cookie) => cookie.name === SESSION_COOKIE);
    };

    const email = uniqueEmail('cookie');
    await signUp(page, email);
    const afterSignUp = await sessionCookie();
    expect(afterSignUp, `a ${SESSION_COOKIE} cookie after sign-up`).toBeDefined();
    expect(afterSignUp!.httpOnly).toBe(true);
    expect(afterSignUp!.sameSite).toBe('Lax');
    expect(afterSignUp!.path).toBe('/');

    await signOut(page);
    expect(await sessionCookie(), 'sign-out removes the cookie').toBeUndefined();

    await signIn(page, email);
    const first = await sessionCookie();
    expect(first, `a ${SESSION_COOKIE} cookie after the first sign-in`).toBeDefined();
    expect(first!.httpOnly).toBe(true);
    expect(first!.sameSite).toBe('Lax');

    await signOut(page);
    await signIn(page, email);
    const second = await sessionCookie();
    expect(second, `a ${SESSION_COOKIE} cookie after the second sign-in`).toBeDefined();
    expect(second!.value).not.toBe(first!.value);
    expect(first!.value).not.toBe(afterSignUp!.value);
  });
});

test.describe('before hydration (JavaScript disabled)', () => {
  test.use({ javaScriptEnabled: false });

  test('sign up through the plain form lands on the empty connections page', async ({ page }) => {
    const email = uniqueEmail('nojs');
    const signUpPage = new SignUpPage(page);
    await signUpPage.goto({ hydrate: false });
    await signUpPage.submit(email, PASSWORD);

    const connections = new ConnectionsPage(page);
    await connections.expectLoaded();
    await expect(connections.emptyState).toBeVisible();
    await new Header(page).expectSignedInAs(email);
  });

  test('a wrong password through the plain form shows the error on /signin', async ({ page }) => {
    const signInPage = new SignInPage(page);
    await signInPage.goto({ hydrate: false });
    await signInPage.submit(uniqueEmail('nojs-unknown'), PASSWORD);

    // Without JavaScript the server sends the browser back to the form with the error.
    await expect(page).toHaveURL((url) => url.pathname === '/signin');
    await expect(signInPage.heading).toBeVisible();
    await expect(signInPage.error).toHaveText(WRONG_CREDENTIALS);
  });
});
