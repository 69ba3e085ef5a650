import type { Router } from 'express';
import { coverageLayout } from '../../core/coverage.js';
import { countCommonNeedsByCapability } from '../../db/queries/common-needs.js';
import { countPostsByCapability } from '../../db/queries/posts.js';
import { pageHandler, type WebContext } from './shared.js';

/** The public heatmap of the roadmap: live needs and offerings, and common needs, per capability. */
export function registerCoveragePages(router: Router, ctx: WebContext): void {
  const { deps } = ctx;
  router.get(
    '/coverage',
    pageHandler(async (req, res) => {
      const [counts, common] = await Promise.all([
        countPostsByCapability(deps.db),
        countCommonNeedsByCapability(deps.db),
      ]);
      ctx.page(req, res, 'coverage', {
        title: 'Roadmap coverage',
        layout: coverageLayout(counts),
        common: Object.fromEntries(common),
      });
    }),
  );
}
