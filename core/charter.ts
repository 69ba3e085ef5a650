// The consortium charter every member accepts. Members accept one version; a new version is a new
// `version` string, and members are asked to accept it again.

export interface Charter {
  /** Date-like version string; changes whenever the text changes. */
  readonly version: string;
  /** Plain English, paragraphs separated by blank lines, list items starting with "- ". */
  readonly text: string;
}

export const CHARTER = {
  version: '2026-12-01',
  text: [
    'Roadmatch consortium charter',
    '',
    'Members meet here to collaborate before competition starts: on the technical problems the whole ' +
      'biopharma manufacturing industry shares. Competitors can do this lawfully only if they never ' +
      'exchange commercial information or coordinate how they compete.',
    '',
    'What members share:',
    '- technical needs and requirements, and the technologies and services that could meet them;',
    '- standards, specifications, data formats and test methods;',
    '- aggregated and historical data that cannot be traced back to one company’s current business;',
    '- published results and public information.',
    '',
    'What members never discuss or exchange, in posts, messages, meetings or side conversations:',
    '- prices, price plans, discounts and rebates, costs and margins;',
    '- capacities, capacity utilisation, production and sales volumes, and plans for any of them;',
    '- customers and suppliers, and the terms agreed with them;',
    '- bids and tenders, including whether or how anyone will bid;',
    '- allocation of markets, territories, customers or suppliers between anyone;',
    '- boycotts of anyone, or any agreement to refuse to deal with a customer, supplier or competitor.',
    '',
    'Participation is voluntary and non-exclusive. Every member may work with anyone else, inside or ' +
      'outside the consortium, and decides independently what it buys, makes, sells, to whom and at ' +
      'what price.',
    '',
    'A member who hears or reads competitively sensitive information objects at once, stops the ' +
      'discussion, and has the objection minuted (or reported to the operator when there is no meeting).',
    '',
    'An organisation’s membership of a consortium is revealed to the other members only when it joins; ' +
      'members see each other and nobody else does. A need posted anonymously stays anonymous until its ' +
      'owner accepts an introduction.',
  ].join('\n'),
} as const satisfies Charter;
