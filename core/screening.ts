// Screening of text people write (needs, offerings, consortium scopes, messages) for competitively
// sensitive information: what the charter says competitors never exchange. A hit is not a verdict; it is
// shown to the writer with its reason, needs an explicit acknowledgement, and is flagged for the operator.
//
// The rules are deliberately narrow. Technical figures (titres, equipment volumes, binding capacities,
// TRL, timelines) and cost as a goal ("reduce cost of goods") are ordinary technical language and must
// not be flagged, so most rules need a commercial cue next to the word: an amount of money, a possessive
// ("our margin"), a commitment verb ("reserve 30% of our capacity"), a time period for output volumes.
// Company names alone are never flagged; a name is flagged only with a customer cue.

export type SensitiveCategory =
  | 'price'
  | 'cost'
  | 'margin'
  | 'discount'
  | 'capacity-commitment'
  | 'volume-commitment'
  | 'customer'
  | 'bid'
  | 'market-share'
  | 'exclusivity'
  | 'market-allocation'
  | 'boycott';

export interface SensitiveHit {
  /** The exact substring of the input that was flagged: `text.slice(start, end)`. */
  phrase: string;
  category: SensitiveCategory;
  /** One plain-English sentence saying why this is sensitive. */
  reason: string;
  start: number;
  end: number;
}

export interface SensitiveFieldHit {
  /** Field name, or `name.index` for an element of an array field ("keywords.2"). */
  field: string;
  phrase: string;
  category: SensitiveCategory;
  reason: string;
}

// ---------------------------------------------------------------------------------------------------
// Building blocks

/** A plain number: "5", "2.5", "5,000", "1.500,00". */
const NUM = String.raw`\d+(?:[.,]\d+)*`;
/** A number or range, with an optional multiplier: "2-3", "5k", "2.5 million", "1.2bn". */
const AMOUNT = String.raw`${NUM}(?:\s?[-–]\s?${NUM})?(?:\s?(?:[kKmM]|mn|bn|[Mm]illion|[Bb]illion|[Tt]housand)(?![\p{L}\p{N}]))?`;
const CURRENCY_SYMBOL = String.raw`(?:(?:US|AU|A|C|HK|NZ|S|R)?\$|[€£¥₹₩])`;
/** Upper case only: "Ph. Eur. 2.6.7" must not read as euros. INR is left out (also a clotting test). */
const CURRENCY_CODE = String.raw`(?:USD|EUR|GBP|CHF|JPY|CNY|RMB|AUD|NZD|HKD|SGD|SEK|NOK|DKK|PLN|BRL|MXN|ZAR|KRW)`;
const CURRENCY_WORD = String.raw`(?:[Dd]ollars?|[Ee]uros?|[Pp]ounds\s+sterling|[Yy]en|(?:[Ss]wiss\s+)?[Ff]rancs?|[Rr]upees?|[Yy]uan|[Rr]enminbi|[Kk]ron(?:or|er|a|e)|[Cc]ents?|INR)`;
/** "per gram", "/L", "per dose". */
const PER_UNIT = String.raw`(?:\s?(?:\/|per\s)\s?[\p{L}µ]+)?`;

/**
 * A money amount: a currency symbol, code or word together with a number, in either order
 * ("$120", "USD 2.5 million", "€40/L", "300 euros", "1.5 million EUR"). Case-sensitive on purpose.
 */
const MONEY = new RegExp(
  String.raw`(?:${CURRENCY_SYMBOL}\s?${AMOUNT}|(?<![\p{L}\p{N}])${CURRENCY_CODE}\s?${AMOUNT}|(?<![\p{L}\p{N}.,])${AMOUNT}\s?(?:${CURRENCY_SYMBOL}|${CURRENCY_CODE}(?![\p{L}])|${CURRENCY_WORD}(?![\p{L}])))${PER_UNIT}`,
  'gu',
);

/**
 * Words just before a money amount that say what the amount is ("cost of $5", "priced at €40/L",
 * "our bid of $2m"). At most four words may sit between the cue and the amount, within one clause.
 */
const MONEY_CUES: readonly { category: SensitiveCategory; cue: string }[] = [
  {
    category: 'cost',
    cue: String.raw`costs?|costing|costed|COGS|spend(?:s|ing)?|spent|budget(?:s|ed)?|expenses?|pay(?:s|ing)?|paid`,
  },
  {
    category: 'price',
    cue: String.raw`pric(?:e|es|ed|ing)|quot(?:e|es|ed|ing|ations?)|sells?|selling|sold|charges?|charged|charging|fees?|tariffs?`,
  },
  { category: 'margin', cue: String.raw`margins?|mark-?ups?|profits?` },
  { category: 'discount', cue: String.raw`discounts?|discounted|rebates?` },
  { category: 'bid', cue: String.raw`bids?|bidding|tenders?|tendered` },
];
const CUE_LOOKBACK = 80;
const MONEY_CUE_PATTERNS = MONEY_CUES.map(({ category, cue }) => ({
  category,
  // The cue, then up to four words, then the end of the text before the amount.
  pattern: new RegExp(String.raw`\b(?:${cue})\b(?:[ \t\u00a0]+[\p{L}\p{N}'’-]+){0,4}?[ \t\u00a0]*$`, 'iu'),
}));

/** Percentages: "30%", "30 percent", "30 per cent". */
const PCT = String.raw`\d+(?:[.,]\d+)?\s?(?:%|percent\b|per\s+cent\b)`;
const ABOUT = String.raw`(?:(?:about|around|roughly|approximately|nearly|almost|over|more\s+than|up\s+to|at\s+least|a\s+minimum\s+of)\s+)?`;
/** A count of goods: "500 batches", "2 tonnes", "several hundred million doses". Litres are left out: they are equipment volumes. */
const OUTPUT_QTY = String.raw`(?:${NUM}(?:\s?[-–]\s?${NUM})?|several|a\s+few|hundreds\s+of|thousands\s+of|millions\s+of|tens\s+of)(?:\s+(?:hundred|thousand|million|billion)){0,2}(?:\s?[km](?![\p{L}]))?\s*(?:[\p{L}-]+\s+)?(?:tonnes?|tons?|metric\s+tons?|kg|kilograms?|kilos|doses|vials|syringes|cartridges|batches|lots|units|packs)\b`;
/** A time period that turns a quantity into an output rate or plan: "per year", "next year", "in 2027". */
const PERIOD = String.raw`(?:per|a|an|each|every|this|next|last|in)\s+(?:year|annum|month|quarter|week|20\d\d)\b`;

/** Capitalised words that follow "our customer" but are not names (acronyms of functions, articles). */
const NOT_A_NAME = String.raw`(?:The|This|That|These|Those|We|Our|Their|In|On|At|For|And|Or|But|With|From|To|A|An|I|It|QA|QC|GMP|GxP|MES|LIMS|ERP|SOP|SOPs|CMC|PAT|IT|CDMOs?|CMOs?|CROs?|EU|US|UK|USA|Europe|Asia|Africa|America|North|South|East|West)(?![\p{L}\p{N}])`;
const NAME_WORD = String.raw`(?!${NOT_A_NAME})\p{Lu}[\p{L}\p{N}&'’-]*`;
/** A company name: one to four capitalised words ("Pfizer", "Sanofi Pasteur"). */
const NAME = String.raw`${NAME_WORD}(?:\s+${NAME_WORD}){0,3}`;
const POSS = String.raw`(?:[Oo]ur|[Tt]heir|[Mm]y|[Yy]our|[Ii]ts)`;
const CUSTOMER_WORD = String.raw`(?:[Cc]ustomers?|[Cc]lients?|[Bb]uyers?)`;
const CUSTOMER_ADJ = String.raw`(?:(?:biggest|largest|main|key|major|top|new|existing|long-standing|current|anchor|lead|leading|strategic|important)\s+)?`;
const SHARE_VERB = String.raw`(?:share|shares|sharing|shared|exchange|exchanges|exchanging|exchanged|compare|comparing|disclose|disclosing|benchmark|benchmarking|pool|pooling)`;
const OWNERS = String.raw`(?:our|their|your|each\s+other['’]s|one\s+another['’]s|members['’]?)`;

const MARGIN_KIND = String.raw`(?:gross|net|profit|operating\s+profit|EBITDA|EBIT|contribution)`;

const re = (source: string, flags = 'giu'): RegExp => new RegExp(source, flags);

// ---------------------------------------------------------------------------------------------------
// The rules: per category, one reason and a few named patterns. Patterns are case-insensitive unless
// they need capitals to recognise a name.

export interface CategoryRules {
  readonly reason: string;
  readonly patterns: Readonly<Record<string, RegExp>>;
}

export const SCREENING_RULES: { readonly [C in SensitiveCategory]: CategoryRules } = {
  price: {
    reason: 'Prices and money amounts are competitively sensitive: competitors must not exchange them.',
    patterns: {
      // Any talk of price ("list price", "priced at", "pricing"), but not the idiom "at the price of longer runs".
      priceWord: re(
        String.raw`\b(?<!\bat\s{1,3}(?:the|a|some|any)\s{1,3})(?:(?:list|unit|net|sales|selling|purchase|target|transfer|contract|spot)\s+)?(?:pric(?:e|es|ing)|priced(?:\s+at)?)\b(?!\s+to\s+pay)`,
      ),
      sharePrices: re(String.raw`\b${SHARE_VERB}\s+${OWNERS}\s+(?:[\w-]+\s+)?(?:prices|pricing)\b`),
      quotation: re(String.raw`\b(?:RFQs?|requests?\s+for\s+(?:quotations?|quotes?)|price\s+quotes?)\b`),
    },
  },
  cost: {
    reason:
      'Costs are competitively sensitive: competitors must not exchange cost figures, because costs drive prices.',
    patterns: {
      // Cost as a goal ("reduce cost of goods", "cost-effective") is fine; exchanging cost figures is not.
      shareCosts: re(
        String.raw`\b${SHARE_VERB}\s+${OWNERS}\s+(?:[\w-]+\s+)?(?:unit\s+costs?|cost\s+(?:data|figures?|structures?|breakdowns?|base|levels?)|COGS|cost\s+of\s+goods)\b`,
      ),
    },
  },
  margin: {
    reason: 'Margins and profits are competitively sensitive: competitors must not exchange them.',
    patterns: {
      namedMargin: re(String.raw`\b(?:(?:our|their|your|its)\s+(?:${MARGIN_KIND}\s+)?|${MARGIN_KIND}\s+)margins?\b`),
      // "margins of 30%", but not "a safety margin of 20%" or "design margin".
      marginFigure: re(
        String.raw`(?<!\b(?:safety|design|error|process|operating|robustness|control|temperature)\s)\bmargins?\s+(?:of|at|around|about|near|is|are|was|were)\s+${ABOUT}${PCT}`,
      ),
      markup: re(String.raw`\bmark-?ups?\s+(?:of\s+)?${ABOUT}${PCT}`),
      shareMargins: re(String.raw`\b${SHARE_VERB}\s+${OWNERS}\s+(?:[\w-]+\s+)?(?:margins|profits)\b`),
    },
  },
  discount: {
    reason: 'Discounts and rebates are part of the price, so competitors must not discuss or exchange them.',
    patterns: {
      // "discount" as a noun only: "we cannot discount contamination" is ordinary science.
      percentDiscount: re(String.raw`\b${PCT}\s+(?:[\w-]+\s+)?(?:discounts?|rebates?)\b`),
      discountNoun: re(
        String.raw`\b(?:a|an|any|the|our|their|your|no|volume|loyalty|bulk|quantity|early[- ]payment|prompt[- ]payment|special|additional|further|bigger|better|deep|steep|member|consortium)\s+discounts?\b(?!\s+(?:factor|rate)\b)`,
      ),
      discountOf: re(
        String.raw`\bdiscounts?\s+(?:of\s+${ABOUT}\d|on\s+(?:the\s+)?(?:list\s+)?(?:prices?|orders?|purchases?|volumes?))`,
      ),
      discounted: re(String.raw`\bdiscounted\s+(?:prices?|rates?|pricing|terms|offers?)\b`),
      // The verb with a figure: "we can discount by 15%", "discount it 10 percent".
      discountBy: re(String.raw`\bdiscount(?:s|ed|ing)?\s+(?:\w+\s+)?(?:by\s+)?${ABOUT}${PCT}`),
      rebate: re(String.raw`\brebates?\b`),
    },
  },
  'capacity-commitment': {
    reason:
      'A company’s own capacity, how full it is and commitments to reserve it are competitively sensitive: each member decides them alone and does not share them.',
    patterns: {
      // "reserve 30% of our capacity"
      reserveShare: re(
        String.raw`\b(?:reserve|reserves|reserving|reserved|commit|commits|committing|committed|allocate|allocates|allocating|allocated|dedicate|dedicates|dedicating|dedicated|set\s+aside|setting\s+aside|guarantee|guarantees|guaranteeing|guaranteed|book|booking|booked|sell|selling|sold)\s+${ABOUT}${PCT}\s+of\s+(?:our|their|your|its|the|this|that)\s+(?:[\w-]+\s+){0,2}?capacity\b`,
      ),
      // "reserve capacity for you" (but "keep this reserved capacity ready" is not a commitment to anyone).
      reserveCapacityFor: re(
        String.raw`\b(?:reserve|reserving|commit|committing|allocate|allocating|dedicate|dedicating|guarantee|guaranteeing|book|booking)\s+(?:(?:our|their|your|its|some|all|spare|free|available|production|manufacturing)\s+)*capacity\s+(?:for|to)\s+(?:you|them|us|each\s+other|one\s+another|members|other\s+members|competitors)\b`,
      ),
      capacityCommitment: re(
        String.raw`\bcapacity\s+(?:commitments?|guarantees?|bookings?|reservation\s+fees?)\b|\b(?:committed|guaranteed|contracted)\s+capacity\b|\btake[- ]or[- ]pay\b`,
      ),
      // "our plant runs at 85% utilisation" (not "20% higher resin utilisation").
      utilisation: re(
        String.raw`(?:\b(?:runs?|running|ran|operates?|operating|operated)\s+at\s+)?\b${PCT}\s+(?:capacity\s+|plant\s+|site\s+|asset\s+|facility\s+|line\s+|suite\s+)?utili[sz]ation\b`,
      ),
      utilisationOf: re(
        String.raw`\b(?:capacity|plant|site|asset|facility|line|suite|bioreactor|reactor|equipment|occupancy)\s+utili[sz]ation\s+(?:rate\s+)?(?:of|at|is|was|around|about|near|reached|stands\s+at)\s+${ABOUT}${PCT}`,
      ),
      runsAtCapacity: re(
        String.raw`\b(?:runs?|running|ran|operates?|operating|operated)\s+at\s+${ABOUT}(?:${PCT}\s+(?:of\s+)?)?(?:(?:full|our|its|their|total|installed|nameplate)\s+)?capacity\b`,
      ),
      // "annual capacity of 2 tonnes", "capacity of 500 batches per year"; "capacity of 2,000 L" is equipment.
      capacityFigure: re(
        String.raw`\b(?:(?:annual|yearly|monthly|production|manufacturing|output|plant|site|nameplate|installed|total|our|their|its)\s+capacity\s+(?:of|is|was|will\s+be|reaches|reached|stands\s+at)\s+${ABOUT}${OUTPUT_QTY}|capacity\s+(?:of|is|was|will\s+be)\s+${ABOUT}${NUM}\s*(?:[\p{L}-]+\s+){0,2}?${PERIOD})`,
      ),
      capacityPlans: re(String.raw`\b${OWNERS}\s+capacity\s+(?:plans?|forecasts?|expansion\s+plans?)\b`),
      shareCapacity: re(
        String.raw`\b${SHARE_VERB}\s+${OWNERS}\s+(?:[\w-]+\s+)?(?:capacity|capacities|utili[sz]ation)\s+(?:data|figures?|plans?|levels?)\b`,
      ),
    },
  },
  'volume-commitment': {
    reason:
      'Production, sales and order volumes and commitments to them are competitively sensitive: competitors must not exchange or agree on them.',
    patterns: {
      moq: re(String.raw`\bminimum\s+order(?:\s+(?:quantit(?:y|ies)|volumes?|sizes?|values?))?\b|\bMOQs?\b`),
      volumeCommitment: re(
        String.raw`\b(?:volume|purchase|purchasing|offtake|off-take|supply)\s+commitments?\b|\b(?:committed|guaranteed|contracted)\s+(?:purchase\s+|order\s+|annual\s+)?volumes?\b`,
      ),
      // "commit to 500 batches per year"
      commitQuantity: re(
        String.raw`\b(?:commit|commits|committed|committing|guarantee|guarantees|guaranteed|promise|promises|promised|pledge|pledged|agree|agrees|agreed)\s+(?:to\s+)?(?:(?:buy|buying|purchase|purchasing|take|taking|order|ordering|supply|supplying|deliver|delivering|produce|producing|make|making|manufacture|manufacturing|source|sourcing)\s+)?${ABOUT}${OUTPUT_QTY}(?:\s+${PERIOD})?`,
      ),
      // "we plan to produce 2 tonnes next year", "ships several hundred million doses a year"
      outputPlan: re(
        String.raw`\b(?:produce|produces|producing|produced|manufacture|manufactures|manufactured|manufacturing|make|makes|making|made|ship|ships|shipped|shipping|sell|sells|selling|sold|deliver|delivers|delivered|delivering|supply|supplies|supplied|supplying|output)\s+${ABOUT}${OUTPUT_QTY}\s+(?:[\w-]+\s+){0,3}?${PERIOD}`,
      ),
      annualOutput: re(
        String.raw`\b(?:annual|yearly|monthly)\s+(?:production|output|sales|volumes?)\s+(?:of|is|was|will\s+be|reaches|reached)\s+${ABOUT}${OUTPUT_QTY}`,
      ),
      // "our sales volumes", "order volumes"; "shipment volumes" and "batch volume" are not commercial.
      salesVolumes: re(
        String.raw`\b(?:${OWNERS}\s+(?:(?:annual|yearly|monthly|current|expected|forecast|planned|projected|total)\s+)*(?:sales|order|purchase|purchasing|production|output)\s+volumes?|(?:sales|order|purchase|purchasing|offtake)\s+volumes?)\b`,
      ),
      volumePlans: re(String.raw`\b${OWNERS}\s+(?:production|volume|output|sales)\s+(?:plans?|forecasts?)\b`),
    },
  },
  customer: {
    reason:
      'Who a company’s customers are is competitively sensitive: competitors must not exchange customer information.',
    patterns: {
      // Names need capitals, so these patterns are case-sensitive.
      possessiveNamed: re(
        String.raw`\b${POSS}\s+${CUSTOMER_ADJ}${CUSTOMER_WORD}(?:\s*,\s*|\s+)(?:(?:such\s+as|including|include|includes|like|namely|are|is)\s+)?${NAME}`,
        'gu',
      ),
      namedPossessive: re(
        String.raw`${NAME}\s+(?:is|are|was|were|has\s+been|have\s+been|became|remains)\s+(?:one\s+of\s+)?${POSS}\s+${CUSTOMER_ADJ}${CUSTOMER_WORD}`,
        'gu',
      ),
      customerLabel: re(
        String.raw`\b(?:[Cc]ustomer|CUSTOMER|[Cc]lient|CLIENT|[Ee]nd[- ]user|[Bb]uyer)s?\s*:\s*${NAME}`,
        'gu',
      ),
      customersSuchAs: re(
        String.raw`\b${CUSTOMER_WORD}\s+(?:such\s+as|including|include|includes|like)\s+${NAME}`,
        'gu',
      ),
      // "supplying Pfizer under contract"
      underContract: re(
        String.raw`\b(?:[Ss]upply|[Ss]upplying|[Ss]upplies|[Ss]upplied|[Ss]ell|[Ss]elling|[Ss]ells|[Ss]old|[Dd]eliver|[Dd]elivering|[Dd]elivers|[Dd]elivered|[Mm]anufactur(?:e|es|ed|ing)\s+for)\s+(?:to\s+)?${NAME}\s+under\s+(?:an?\s+|the\s+|our\s+|its\s+)?(?:[\w-]+\s+){0,2}?(?:contract|agreement|purchase\s+order)\b`,
        'gu',
      ),
      customerList: re(String.raw`\bcustomer\s+lists?\b|\blists?\s+of\s+(?:our\s+|their\s+)?customers\b`),
    },
  },
  bid: {
    reason: 'Bids and tenders are competitively sensitive: competitors must never discuss or coordinate them.',
    patterns: {
      // "our bid", "the bid for"; not "a test bid".
      bidNoun: re(
        String.raw`\b(?:our|their|your|its|the|a|competing|rival|winning|losing|lowest|highest|joint|final)\s+bids?\b`,
      ),
      // "bid for the contract"; not "a test bid on the module" or "10 mg bid for 5 days" (twice daily).
      bidFor: re(
        String.raw`(?<!\btest\s)\bbids?\s+(?:(?:for|on)(?=\s+(?:the|a|an|this|that|these|their|our|your|its|it|them)\b)|price|prices|pricing|strateg(?:y|ies))\b`,
      ),
      bidding: re(String.raw`\b(?:bidding|bidders?|underbid\w*|outbid\w*)\b`),
      tender: re(String.raw`\b(?:tender|tenders|tendering|tendered)\b(?!\s+(?:loving|care|point|points|spot|spots)\b)`),
      rfpPricing: re(
        String.raw`\b(?:RFP|ITT)s?\s+(?:pric\w*|quotes?|responses?|submissions?|bids?)\b|\b(?:pricing|prices?|quotes?|responses?)\s+(?:for|to|in)\s+(?:the|an?|our|their)\s+(?:RFP|ITT)s?\b|\brequests?\s+for\s+proposals?\b`,
      ),
    },
  },
  'market-share': {
    reason: 'Market shares are competitively sensitive: competitors must not exchange them.',
    patterns: {
      marketShare: re(String.raw`\bmarket\s+shares?\b`),
      shareOfMarket: re(String.raw`\bshare\s+of\s+(?:the|this|that|our|their|each)\s+(?:[\w-]+\s+){0,2}?market\b`),
      // "40% of the market" (but "40% of the purification floor area" is not about markets).
      percentOfMarket: re(
        String.raw`\b${PCT}\s+of\s+(?:the\s+|this\s+|that\s+|our\s+|their\s+)?(?:[\w-]+\s+){0,2}?markets?\b`,
      ),
    },
  },
  exclusivity: {
    reason:
      'Exclusive supply or purchasing arrangements can shut others out of a market and must not be agreed between competitors here.',
    patterns: {
      // "exclusive supply", "exclusivity agreement"; exclusive licences of technology are ordinary.
      exclusiveArrangement: re(
        String.raw`(?<!\bnon[- ])\bexclusiv(?:e|ity)\s+(?:(?:long-term|multi-year|global|regional|worldwide)\s+)?(?:supply|supplier|suppliers|supplying|purchasing|purchase|purchaser|buyer|buying|sourcing|distribution|distributor|distributors|dealing|dealer|customer|customers|contract|agreement|arrangement|deal)\b`,
      ),
      exclusivelyVerb: re(
        String.raw`\bexclusively\s+(?:supply|supplies|supplying|sell|sells|selling|buy|buys|buying|purchase|purchasing|source|sourcing|deliver|delivering|distribute|distributing)\b|\b(?:supply|supplies|supplying|sell|sells|selling|buy|buys|buying|purchase|purchasing|deliver|delivering)\s+(?:[\w-]+\s+){0,2}?exclusively\s+(?:to|from|through|via|with)\b`,
      ),
      soleSupply: re(String.raw`\bsole[- ](?:supply|source)\s+(?:agreement|contract|arrangement)s?\b`),
      notSupplyCompetitors: re(
        String.raw`\b(?:not|never)\s+(?:to\s+)?(?:supply|sell\s+to)\s+(?:your|our|their|any\s+other|other)\s+competitors?\b`,
      ),
    },
  },
  'market-allocation': {
    reason:
      'Dividing markets, territories, customers or suppliers between competitors is illegal: each member decides alone where and to whom it sells.',
    patterns: {
      // "divide the market", "allocate customers", "split the territories"
      divide: re(
        String.raw`\b(?:divid(?:e|es|ed|ing)|split(?:s|ting)?|carv(?:e|es|ed|ing)\s+up|shar(?:e|es|ed|ing)\s+out|partition(?:s|ed|ing)?|allocat(?:e|es|ed|ing)|assign(?:s|ed|ing)?|apportion(?:s|ed|ing)?)\s+(?:up\s+)?(?:the\s+|our\s+|their\s+|these\s+|those\s+)?(?:[\w-]+\s+)?(?:markets?|customers|clients|territor(?:y|ies)|sales\s+regions?|countries|suppliers)\b`,
      ),
      // "you take Europe and we take Asia" (needs capitals for the places, so case-sensitive).
      youTakeWeTake: re(
        String.raw`\b(?:[Yy]ou|[Tt]hey|[Ww]e)\s+(?:take|get|keep|serve|supply|cover|handle)\s+(?:the\s+)?\p{Lu}[\p{L}-]*(?:\s+\p{Lu}[\p{L}-]*)*\s*,?\s+(?:and|while|whereas|but)\s+(?:[Ww]e|[Yy]ou|[Tt]hey)\s+(?:take|get|keep|serve|supply|cover|handle)\s+(?:the\s+)?\p{Lu}[\p{L}-]*(?:\s+\p{Lu}[\p{L}-]*)*`,
        'gu',
      ),
      youTakeCustomers: re(
        String.raw`\b(?:you|they|we)\s+(?:take|get|keep|serve|handle)\s+(?:the\s+)?(?:[\w-]+\s+)?(?:customers|clients|accounts|markets?|territor(?:y|ies))\s*,?\s+(?:and|while|whereas|but)\s+(?:we|you|they)\s+(?:take|get|keep|serve|handle)\b`,
      ),
      noCompete: re(
        String.raw`\bnot\s+to\s+compete\b|\b(?:won['’]t|will\s+not|would\s+not|never)\s+compete\s+(?:with\s+(?:each\s+other|one\s+another|you|us|them)|for|in)\b|\bstay\s+out\s+of\s+(?:each\s+other['’]s|one\s+another['’]s|your|our|their)\s+(?:markets?|territor(?:y|ies)|regions?|customers|segments?)\b`,
      ),
    },
  },
  boycott: {
    reason:
      'Agreeing to boycott or refuse to deal with anyone is illegal for competitors: each member decides alone whom it deals with.',
    patterns: {
      boycott: re(String.raw`\bboycott\w*`),
      // "refuse to buy from", "stop dealing with" (not "stop working with paper records").
      refuseToDeal: re(
        String.raw`\b(?:refus(?:e|es|ed|ing)|stop(?:s|ped|ping)?|ceas(?:e|es|ed|ing)|agree(?:s|d)?\s+not|agreeing\s+not|(?:let['’]s|we\s+should|we\s+must|we\s+will|all)\s+not)\s+(?:to\s+)?(?:buy(?:ing)?|purchas(?:e|ing)|deal(?:ing)?|do(?:ing)?\s+business|trad(?:e|ing)|sourc(?:e|ing)|order(?:ing)?|sell(?:ing)?|suppl(?:y|ying))\s+(?:[\w-]+\s+)?(?:with|from|to)\b`,
      ),
      blacklist: re(
        String.raw`\bblack-?list(?:s|ed|ing)?\s+(?:the\s+|a\s+|this\s+|that\s+)?(?:suppliers?|vendors?|customers?|compan(?:y|ies)|manufacturers?|competitors?|distributors?)\b`,
      ),
      shutOut: re(
        String.raw`\b(?:freez(?:e|es|ing)|shut(?:s|ting)?|squeez(?:e|es|ing)|push(?:es|ing)?|driv(?:e|es|ing))\s+(?:[\w-]+\s+){0,2}?out\s+of\s+the\s+market\b`,
      ),
    },
  },
};

/** Category order breaks ties when hits of different categories cover the same span. */
const CATEGORY_ORDER = Object.keys(SCREENING_RULES) as SensitiveCategory[];

// ---------------------------------------------------------------------------------------------------

interface RawHit {
  start: number;
  end: number;
  category: SensitiveCategory;
}

/**
 * The matches of a global pattern in `text`, as `text.matchAll(pattern)` gives them from the start, without
 * the copy of the pattern that `matchAll` makes on every call (most of the cost on short texts).
 */
function matchesOf(pattern: RegExp, text: string): RegExpExecArray[] {
  const out: RegExpExecArray[] = [];
  pattern.lastIndex = 0;
  try {
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      out.push(m);
      // An empty match moves on by one character (a whole code point under the u flag), as matchAll does.
      if (m[0] === '') {
        const at = pattern.lastIndex;
        pattern.lastIndex = at + (pattern.unicode && (text.codePointAt(at) ?? 0) > 0xffff ? 2 : 1);
      }
    }
  } finally {
    pattern.lastIndex = 0;
  }
  return out;
}

/** Money amounts, each extended back to a cue word that says what it is ("cost of", "priced at"). */
function moneyHits(text: string): RawHit[] {
  const hits: RawHit[] = [];
  for (const m of matchesOf(MONEY, text)) {
    let start = m.index;
    let category: SensitiveCategory = 'price';
    const before = text.slice(Math.max(0, start - CUE_LOOKBACK), start);
    let nearest = -1;
    for (const { category: c, pattern } of MONEY_CUE_PATTERNS) {
      const found = pattern.exec(before);
      if (found && found.index > nearest) {
        nearest = found.index;
        category = c;
      }
    }
    if (nearest >= 0) start = start - before.length + nearest;
    hits.push({ start, end: m.index + m[0].length, category });
  }
  return hits;
}

function ruleHits(text: string): RawHit[] {
  const hits: RawHit[] = [];
  for (const category of CATEGORY_ORDER) {
    for (const pattern of Object.values(SCREENING_RULES[category].patterns)) {
      for (const m of matchesOf(pattern, text)) {
        hits.push({ start: m.index, end: m.index + m[0].length, category });
      }
    }
  }
  return hits;
}

/** Trims whitespace and trailing punctuation that a pattern may have taken in at its edges. */
function trimmed(text: string, hit: RawHit): RawHit {
  let { start, end } = hit;
  while (start < end && /\s/u.test(text[start] ?? '')) start++;
  while (end > start && /[\s,;:]/u.test(text[end - 1] ?? '')) end--;
  return { ...hit, start, end };
}

/**
 * Finds competitively sensitive phrases in `text`. Hits come in order of position; overlapping hits are
 * merged into one, which takes the category of its longest part (ties: the order of SCREENING_RULES).
 */
export function screenText(text: string): SensitiveHit[] {
  if (!text) return [];
  const raw = [...moneyHits(text), ...ruleHits(text)]
    .map((h) => trimmed(text, h))
    .filter((h) => h.end > h.start)
    .sort((a, b) => a.start - b.start || b.end - a.end);

  const merged: { start: number; end: number; category: SensitiveCategory; longest: number }[] = [];
  for (const h of raw) {
    const last = merged[merged.length - 1];
    const length = h.end - h.start;
    if (last && h.start < last.end) {
      last.end = Math.max(last.end, h.end);
      const better =
        length > last.longest ||
        (length === last.longest && CATEGORY_ORDER.indexOf(h.category) < CATEGORY_ORDER.indexOf(last.category));
      if (better) {
        last.category = h.category;
        last.longest = length;
      }
    } else {
      merged.push({ start: h.start, end: h.end, category: h.category, longest: length });
    }
  }
  return merged.map(({ start, end, category }) => ({
    phrase: text.slice(start, end),
    category,
    reason: SCREENING_RULES[category].reason,
    start,
    end,
  }));
}

/**
 * Screens several fields at once (a post's title, description, keywords...). Array fields are screened
 * element by element and reported as `name.index`. Empty, null and undefined fields are skipped.
 */
export function screenFields(
  fields: Record<string, string | readonly string[] | null | undefined>,
): SensitiveFieldHit[] {
  const out: SensitiveFieldHit[] = [];
  const add = (field: string, text: string): void => {
    for (const { phrase, category, reason } of screenText(text)) out.push({ field, phrase, category, reason });
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value == null) continue;
    if (typeof value === 'string') add(name, value);
    else value.forEach((text, i) => add(`${name}.${i}`, text));
  }
  return out;
}
