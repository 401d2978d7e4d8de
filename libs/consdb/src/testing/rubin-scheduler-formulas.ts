/** rubin_scheduler's `_approx_altaz2pa` (utils/approx_coord_transforms.py), in degrees [0, 360): for test expectations. */
export function approxAltAz2Pa(alt: number, az: number, latitude = -30.244628): number {
  const [a, A, phi] = [(alt * Math.PI) / 180, (az * Math.PI) / 180, (latitude * Math.PI) / 180];
  const y = Math.sin(-A) * Math.cos(phi);
  const x = Math.cos(a) * Math.sin(phi) - Math.sin(a) * Math.cos(phi) * Math.cos(-A);
  return ((((Math.atan2(y, x) * 180) / Math.PI) % 360) + 360) % 360;
}
