// What the front desk reads when something goes wrong. One place, so the same failure reads the same
// in the connection badge, the sign-in form and every page's error line.
import type { ApiError } from '@voxanne/protocol';

export const UserMessage = {
  serverUnreachable: "Can't reach the Voxanne server. Check this computer's internet connection.",
  serverSlow: 'The Voxanne server took too long to answer. Try again.',
  serverConfused: 'The Voxanne server sent an answer this app does not understand. Try again, or update the app.',
  serverRestarting: 'The Voxanne server is restarting. Reconnecting…',
  catchingUp: 'Catching up with the Voxanne server…',
  lostContact: 'Lost contact with the Voxanne server. Reconnecting…',
  /** A web test cannot pick up where it was: it ends, and the user starts another. */
  webTestLostContact: 'Lost contact with the Voxanne server, so the test call ended. Start it again once the connection is back.',
  /** Listening cannot pick up where it was either: the desk presses Listen again. */
  listenLostContact: 'Lost contact with the Voxanne server, so listening stopped. Press Listen again once the connection is back.',
  tooManyListening: 'You are already listening to calls elsewhere. Stop one of them, then press Listen again.',
  tooManyWebTests: 'You already have web tests open elsewhere. End one of them, then start this one again.',
  tooManyConsoles: 'This account has too many consoles open. Close one; this one keeps trying to connect.',
  computerOffline: 'This computer is offline. Live updates resume when it reconnects.',
  sessionExpired: 'Your session expired — sign in again.',
  sessionRevoked: 'You were signed out on the server. Sign in again.',
  signedOut: 'Signed out.',
  notSignedIn: 'Sign in first.',
  locked: 'The console is locked. Enter your password to unlock it.',
  wrongPassword: 'That password is not right. Try again.',
  liveStreamRefused: 'The Voxanne server refused the live connection. Reconnecting…',
  liveProtocolMismatch: 'This app is out of date for the Voxanne server. Update the app.',
} as const;

/** An error that is already a value the renderer can show: thrown by handlers, caught at the IPC door. */
export class UserFacingError extends Error {
  readonly apiError: ApiError;
  constructor(apiError: ApiError) {
    super(apiError.message);
    this.name = 'UserFacingError';
    this.apiError = apiError;
  }
}

export function userFacing(code: ApiError['code'], message: string): UserFacingError {
  return new UserFacingError({ code, message });
}
