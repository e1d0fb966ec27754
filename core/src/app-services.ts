import { startAuthHousekeeping } from './auth/auth-housekeeping.ts';
import {
  createAuthServices,
  type AuthServices,
  type AuthServicesDependencies,
} from './auth/auth-services.ts';
import type { StepUpVerifier } from './auth/step-up.ts';

export interface AppServicesDependencies extends AuthServicesDependencies {
  /** Wraps the shared step-up (admin step-ups approved from Telegram, gateway/step-up-approvals.ts). */
  wrapStepUp?: ((stepUp: StepUpVerifier) => StepUpVerifier) | undefined;
}

/** What the admin's HTTP edge serves, built before the app so every surface shares the same objects. */
export interface AppServices {
  auth: AuthServices;
  /** The step-up every surface asks (admin routes, the skill lifecycle, workflows, Telegram). */
  stepUp: StepUpVerifier;
  /** Stops their background work (auth housekeeping). */
  stop(): void;
}

/**
 * The one place the admin's services are built: boot.ts calls it for a running Talon, and the test
 * app factories (core/src/testing/) call it too, so tests wire exactly what production wires.
 * `buildApp` only turns them into routes.
 */
export function createAppServices(deps: AppServicesDependencies): AppServices {
  const auth = createAuthServices(deps);
  const stopHousekeeping = startAuthHousekeeping(deps.pool, deps.settings, deps.logger);
  return {
    auth,
    stepUp: deps.wrapStepUp ? deps.wrapStepUp(auth.stepUp) : auth.stepUp,
    stop: stopHousekeeping,
  };
}
