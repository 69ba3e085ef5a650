import { AREAS, CAPABILITIES } from '../../core/taxonomy.js';
import type { ApiRouter } from '../endpoint.js';
import { CapabilitiesResponse } from '../schemas.js';

const BODY = {
  areas: AREAS.map((area) => ({
    slug: area.slug,
    name: area.name,
    capabilities: CAPABILITIES.filter((c) => c.area === area.slug).map((c) => ({
      slug: c.slug,
      name: c.name,
      description: c.covers,
    })),
  })),
};

export function registerCapabilityRoutes(api: ApiRouter): void {
  api.add(
    {
      method: 'get',
      path: '/v1/capabilities',
      summary: 'The roadmap capability taxonomy, grouped by its six areas',
      tag: 'Capabilities',
      auth: false,
      success: { status: 200, description: 'The taxonomy', schema: CapabilitiesResponse },
    },
    async () => ({ body: BODY }),
  );
}
