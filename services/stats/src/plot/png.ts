import { GrpcError } from '@visitsarch/grpc-server';
import { status } from '@grpc/grpc-js';

/** The part of @resvg/resvg-js we use (declared here so the service builds before the package is installed). */
interface ResvgModule {
  Resvg: new (svg: string, options?: { fitTo?: { mode: 'width'; value: number }; font?: { loadSystemFonts?: boolean; defaultFontFamily?: string }; background?: string }) => {
    render(): { asPng(): Buffer };
  };
}

let resvg: ResvgModule | null | undefined;

/** @resvg/resvg-js if installed (a prebuilt native renderer), else null. */
function loadResvg(): ResvgModule | null {
  if (resvg === undefined) {
    try {
      resvg = require('@resvg/resvg-js') as ResvgModule;
    } catch {
      resvg = null;
    }
  }
  return resvg;
}

/** True if PNG output is available. */
export function pngAvailable(): boolean {
  return loadResvg() !== null;
}

/**
 * Rasterises one of our SVGs to PNG at twice its size (crisp on screens and in documents),
 * with the system's DejaVu Sans for text. UNIMPLEMENTED if the renderer is not installed.
 */
export function svgToPng(svg: string, width: number): Buffer {
  const module = loadResvg();
  if (!module) throw new GrpcError(status.UNIMPLEMENTED, 'PNG output needs the @resvg/resvg-js package, which is not installed on this server; ask for SVG', { reason: 'PNG_RENDERER_MISSING' });
  return new module.Resvg(svg, { fitTo: { mode: 'width', value: width * 2 }, font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' }, background: '#ffffff' }).render().asPng();
}
