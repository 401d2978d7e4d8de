/*
 * The gateway checks requests with @visitsarch/validation's rules before it calls the backends,
 * which check the same fields with the same functions again (defence in depth, one definition).
 */
export { checkFileName, optionalDayObs, requireTelescope, requireText, requireUuid, TELESCOPES } from '@visitsarch/validation';
