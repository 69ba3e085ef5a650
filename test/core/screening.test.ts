import { describe, expect, it } from 'vitest';
import { CHARTER } from '../../core/charter.js';
import { SCREENING_RULES, screenFields, screenText, type SensitiveCategory } from '../../core/screening.js';

const only = (text: string): [SensitiveCategory, string][] => screenText(text).map((h) => [h.category, h.phrase]);

describe('screenText flags competitively sensitive phrases', () => {
  it.each<[string, SensitiveCategory, string]>([
    // prices and money amounts
    ['Their list price is $120 per gram for the resin.', 'price', 'list price is $120 per gram'],
    ['The grant covers USD 2.5 million over three years.', 'price', 'USD 2.5 million'],
    ['Media concentrate sells at €40/L in Europe.', 'price', 'sells at €40/L'],
    ['We buy it at a price of 300 euros per kit.', 'price', 'price of 300 euros per kit'],
    ['The new ligand is priced at a premium.', 'price', 'priced at'],
    ['The fee is GBP 500 per sample.', 'price', 'fee is GBP 500 per sample'],
    ['Scale-up would need roughly 1.5 million EUR per product.', 'price', '1.5 million EUR per product'],
    ['They charge $5k a month for hosting.', 'price', 'charge $5k'],
    ['We need RFQ answers from three vendors.', 'price', 'RFQ'],
    // costs
    ['Qualification had a cost of 5,000 dollars per run.', 'cost', 'cost of 5,000 dollars per run'],
    ['The adjuvant costs us $3 per dose.', 'cost', 'costs us $3 per dose'],
    [
      'Validation, costing roughly 1.5 million EUR per product, is the barrier.',
      'cost',
      'costing roughly 1.5 million EUR per product',
    ],
    ['Let us share our cost data for the upstream step.', 'cost', 'share our cost data'],
    // margins and discounts
    ['Our gross margin on fill-finish is thin.', 'margin', 'Our gross margin'],
    ['Suppliers keep margins of 30% on single-use bags.', 'margin', 'margins of 30%'],
    ['We could offer members a 15% discount on consumables.', 'discount', '15% discount'],
    ['A rebate applies above 100 bags.', 'discount', 'rebate'],
    ['They sell at discounted prices to hospitals.', 'discount', 'discounted prices'],
    ['For consortium members we can discount by 15%.', 'discount', 'discount by 15%'],
    // capacity and volumes
    [
      'We will reserve 30% of our capacity for consortium members.',
      'capacity-commitment',
      'reserve 30% of our capacity',
    ],
    ['Our plant runs at 85% utilisation.', 'capacity-commitment', 'runs at 85% utilisation'],
    ['Our annual capacity is 2 tonnes of antibody.', 'capacity-commitment', 'annual capacity is 2 tonnes'],
    ['The Pune site is running at full capacity this winter.', 'capacity-commitment', 'running at full capacity'],
    ['We can commit to 500 batches per year.', 'volume-commitment', 'commit to 500 batches per year'],
    ['We plan to produce 2 tonnes next year.', 'volume-commitment', 'produce 2 tonnes next year'],
    ['The minimum order quantity is 20 bags.', 'volume-commitment', 'minimum order quantity'],
    [
      'The site ships several hundred million doses a year to UNICEF.',
      'volume-commitment',
      'ships several hundred million doses a year',
    ],
    ['Our sales volumes dropped after the pandemic.', 'volume-commitment', 'Our sales volumes'],
    // customers
    ['We make this for our customer Pfizer in Ireland.', 'customer', 'our customer Pfizer'],
    ['Customer: Novartis, site Stein.', 'customer', 'Customer: Novartis'],
    ['We are supplying Moderna under contract since 2022.', 'customer', 'supplying Moderna under contract'],
    ['Pfizer is one of our largest customers.', 'customer', 'Pfizer is one of our largest customers'],
    ['Our customers, Sanofi Pasteur and GSK, want this.', 'customer', 'Our customers, Sanofi Pasteur'],
    // bids and tenders
    ['We are preparing the tender for the national vaccine programme.', 'bid', 'tender'],
    ['Our bid came in below theirs.', 'bid', 'Our bid'],
    ['Bidding opens in March.', 'bid', 'Bidding'],
    ['We need RFP pricing by Friday.', 'bid', 'RFP pricing'],
    ['Our bid of $2 million was too low.', 'bid', 'Our bid of $2 million'],
    // market shares
    ['Their market share in Europe is growing.', 'market-share', 'market share'],
    ['We hold 40% of the market for protein A resins.', 'market-share', '40% of the market'],
    // exclusivity
    ['We want exclusive supply of the new ligand.', 'exclusivity', 'exclusive supply'],
    ['The vendor would exclusively supply us for five years.', 'exclusivity', 'exclusively supply'],
    ['We propose an exclusivity agreement with the vendor.', 'exclusivity', 'exclusivity agreement'],
    // market allocation
    ['Let us divide the market between us.', 'market-allocation', 'divide the market'],
    ['We should allocate customers by region.', 'market-allocation', 'allocate customers'],
    ['We could allocate territories among members.', 'market-allocation', 'allocate territories'],
    ['You take Europe and we take Asia.', 'market-allocation', 'You take Europe and we take Asia'],
    // boycotts
    ['We all refuse to buy from that vendor.', 'boycott', 'refuse to buy from'],
    ['Members could boycott the new entrant.', 'boycott', 'boycott'],
    ['We should stop dealing with distributors who undercut us.', 'boycott', 'stop dealing with'],
  ])('%s', (text, category, phrase) => {
    expect(only(text)).toEqual([[category, phrase]]);
  });
});

describe('screenText leaves technical language alone', () => {
  it.each([
    'The process reaches a titre of 5 g/L.',
    'We run a 2,000 L bioreactor.',
    'Antibody harvests come from 15,000 L bioreactors.',
    'We need equipment that handles flow rates up to 1,500 L/h.',
    'The technology is at TRL 6.',
    'We expect results within 18 months.',
    'The suite must be ready within 100 days of a request.',
    'Buffer hold takes up more than 40% of the purification floor area.',
    'We want to reduce cost of goods for viral vectors.',
    'We need a cost-effective and affordable assay.',
    'New capping approaches could lower the cost of mRNA.',
    'Protein A resin is our largest downstream consumable cost.',
    'The capacity of the column falls after 150 cycles.',
    'A resin with a binding capacity of 60 g/L.',
    'Dynamic binding capacity drops with residence time.',
    'The column is loaded at 80% of its dynamic binding capacity.',
    'Simulation shows 20% higher resin utilisation.',
    'The volume of the bioreactor limits oxygen transfer.',
    'A working volume of 50 L.',
    'The batch volume is 200 L.',
    'Designed for high-volume manufacturing of vaccines.',
    'We meet customer requirements for sterility.',
    'Patients are waiting for the product.',
    'We adapt to our clients’ processes and to client QC laboratories.',
    'Our client QA units must approve the change.',
    'The data support the market authorisation application.',
    'Changes to marketed products need variations.',
    'Exclusion of endotoxin is required.',
    'We ran a test bid on the new marketplace module.',
    'Dose 10 mg bid for 5 days.',
    'Exclusive and non-exclusive licence terms are available.',
    'Downtime cost us 41 days last year.',
    'Changeover now costs us about 15% of our annual capacity.',
    'We need to keep this reserved capacity ready under a capacity reservation contract.',
    'Vendors have refused further individual visits.',
    'After allocation during the pandemic, our board requires a second source.',
    'We cannot discount contamination from the water system.',
    'We split the samples between two laboratories.',
    'You take the upstream samples and we take the downstream ones.',
    'Results follow Ph. Eur. 2.6.7 and Ph Eur 5.1.6.',
    'A safety margin of 20% on the design temperature.',
    'Clean with 0.5 M NaOH between cycles.',
    'We receive 15-20 process transfers a year from biotech clients.',
    'We stop working with paper batch records next year.',
    'Customer portal for Ambreux product documentation.',
    'Pfizer, Novartis and Lonza have published on this method.',
    'We are interested in sharing the cost of model building with other users.',
  ])('%s', (text) => {
    expect(only(text)).toEqual([]);
  });
});

describe('screenText hits', () => {
  it('gives offsets into the input, in order of position, with the reason of the category', () => {
    const text = 'For our customer Pfizer we charge $120 per gram; our gross margin is 40%.';
    const hits = screenText(text);
    expect(hits.map((h) => [h.category, h.phrase])).toEqual([
      ['customer', 'our customer Pfizer'],
      ['price', 'charge $120 per gram'],
      ['margin', 'our gross margin is 40%'],
    ]);
    for (const h of hits) {
      expect(text.slice(h.start, h.end)).toBe(h.phrase);
      expect(h.reason).toBe(SCREENING_RULES[h.category].reason);
    }
    expect(hits[1]?.reason).toBe(
      'Prices and money amounts are competitively sensitive: competitors must not exchange them.',
    );
  });

  it('merges overlapping hits into one', () => {
    // "list price", "price" and the money amount overlap: one hit, not three.
    expect(only('The list price of $120 per gram is high.')).toEqual([['price', 'list price of $120 per gram']]);
  });

  it('returns nothing for empty text', () => {
    expect(screenText('')).toEqual([]);
  });

  it('has a plain-English reason for every category', () => {
    for (const { reason } of Object.values(SCREENING_RULES)) expect(reason).toMatch(/^[A-Z][^.]+\.$/);
  });
});

describe('screenFields', () => {
  it('screens each field and each array element, naming array elements by index', () => {
    const hits = screenFields({
      title: 'Faster sterility testing',
      description: 'We plan to produce 2 tonnes next year. Our bid is ready.',
      keywords: ['sterility', 'rapid methods', 'list price'],
      regions: null,
      scope: undefined,
    });
    expect(hits).toEqual([
      {
        field: 'description',
        phrase: 'produce 2 tonnes next year',
        category: 'volume-commitment',
        reason: SCREENING_RULES['volume-commitment'].reason,
      },
      { field: 'description', phrase: 'Our bid', category: 'bid', reason: SCREENING_RULES.bid.reason },
      { field: 'keywords.2', phrase: 'list price', category: 'price', reason: SCREENING_RULES.price.reason },
    ]);
  });

  it('returns nothing for clean fields', () => {
    expect(
      screenFields({ title: 'In-line Raman for 2,000 L fed-batch', keywords: ['Raman', 'glucose control'] }),
    ).toEqual([]);
  });
});

describe('CHARTER', () => {
  it('has a version and names what members never exchange', () => {
    expect(CHARTER.version).toMatch(/\S/);
    for (const word of [/prices/i, /capacit/i, /customers/i, /bids/i, /boycott/i, /margins/i, /volumes/i]) {
      expect(CHARTER.text).toMatch(word);
    }
    expect(CHARTER.text).toMatch(/voluntary and non-exclusive/);
    expect(CHARTER.text).toMatch(/minuted/);
  });
});
