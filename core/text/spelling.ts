// British -> American spelling folding, applied to lowercase words before stemming and thesaurus lookup,
// so "characterisation" and "characterization", "modelling" and "modeling", "titre" and "titer" meet.
// Rules are suffix rules with exception lists (most words ending in -ise are not -ize verbs).

// Words ending in -ise that are not the British spelling of an -ize verb.
const ISE_EXCEPTIONS = new Set([
  'advertise',
  'advise',
  'apprise',
  'appraise',
  'arise',
  'chastise',
  'chemise',
  'circumcise',
  'comprise',
  'compromise',
  'concise',
  'cruise',
  'bruise',
  'demise',
  'despise',
  'devise',
  'disguise',
  'enterprise',
  'excise',
  'exercise',
  'expertise',
  'franchise',
  'guise',
  'imprecise',
  'improvise',
  'incise',
  'merchandise',
  'mortise',
  'noise',
  'paradise',
  'poise',
  'porpoise',
  'praise',
  'precise',
  'premise',
  'promise',
  'raise',
  'reprise',
  'revise',
  'rise',
  'sunrise',
  'supervise',
  'surmise',
  'surprise',
  'televise',
  'tortoise',
  'treatise',
  'turquoise',
  'uprise',
  'valise',
  'anise',
  'cerise',
  'crise',
  'irise',
]);

// -ise forms: verb, inflections and derived nouns/adjectives.
const ISE_FORM = /^([a-z]{2,})is(e|es|ed|ing|er|ers|ation|ations|able|ability|ational)$/;
// analyse, catalyse, dialyse, hydrolyse, paralyse (verbs only; "analyses" stays the plural of analysis).
const YSE_FORM = /^([a-z]*ly)s(e|ed|ing|er|ers)$/;
// colour, behaviour, labour, tumour... (explicit roots: "four", "hour", "pour", "tour" must not change).
const OUR_FORM =
  /^(colo|behavio|flavo|vapo|labo|favo|humo|odo|harbo|neighbo|rumo|tumo|endeavo|hono|savo|vigo|rigo|armo|fervo|valo|clamo|splendo|parlo)ur(.*)$/;
// centre, litre, metre, fibre, titre, calibre (+ compounds such as millilitre, microfibre).
const TRE_FORM = /^([a-z]*(?:cent|lit|met|fib|tit|calib|theat|spect|lust|sab|meag|somb))re(s|d)?$/;
// modelling, labelled, signalling, travelled, cancelled... (single l in American spelling).
const DOUBLE_L_FORM =
  /^(model|label|signal|travel|cancel|fuel|channel|tunnel|level|total|dial|funnel|panel|counsel|jewel|equal|rival|shovel|marvel|pedal|trial|barrel|pencil|quarrel|spiral|stencil|tranquil)l(ed|ing|er|ers)$/;
const ENDING_OGUE = /^(catalog|dialog|analog|prolog|epilog|monolog)ue(s|d)?$/;

const WORDS: Record<string, string> = {
  ageing: 'aging',
  aluminium: 'aluminum',
  amongst: 'among',
  artefact: 'artifact',
  artefacts: 'artifacts',
  cheque: 'check',
  defence: 'defense',
  enquiry: 'inquiry',
  enquiries: 'inquiries',
  fulfil: 'fulfill',
  fulfilment: 'fulfillment',
  enrolment: 'enrollment',
  grey: 'gray',
  judgement: 'judgment',
  acknowledgement: 'acknowledgment',
  licence: 'license',
  licences: 'licenses',
  manoeuvre: 'maneuver',
  mould: 'mold',
  moulds: 'molds',
  offence: 'offense',
  plough: 'plow',
  practise: 'practice',
  programme: 'program',
  programmes: 'programs',
  sceptical: 'skeptical',
  storey: 'story',
  tyre: 'tire',
  whilst: 'while',
  sulphate: 'sulfate',
  sulphoxide: 'sulfoxide',
  sulphur: 'sulfur',
  sulphide: 'sulfide',
  foetal: 'fetal',
  oestrogen: 'estrogen',
  anaesthetic: 'anesthetic',
  haemoglobin: 'hemoglobin',
  oedema: 'edema',
  leukaemia: 'leukemia',
  anaemia: 'anemia',
  paediatric: 'pediatric',
  aetiology: 'etiology',
  caesarean: 'cesarean',
  haematology: 'hematology',
  haematopoietic: 'hematopoietic',
  haemolysis: 'hemolysis',
  orthopaedic: 'orthopedic',
  draught: 'draft',
  catalyse: 'catalyze',
};

// haemo-, haemato-, paed-: the American spellings drop the a.
const AE_PREFIX = /^(haem|paed|leukaem|anaem|oesophag|haemat)/;

const cache = new Map<string, string>();
const CACHE_LIMIT = 50_000;

/** Fold one lowercase word to its American spelling (identity for anything not covered). */
export function foldSpelling(word: string): string {
  const hit = cache.get(word);
  if (hit !== undefined) return hit;
  const out = foldUncached(word);
  if (cache.size < CACHE_LIMIT) cache.set(word, out);
  return out;
}

function foldUncached(w: string): string {
  const direct = WORDS[w];
  if (direct !== undefined) return direct;
  if (w.length < 5) return w;

  let m = ISE_FORM.exec(w);
  if (m && m[1] !== undefined && m[2] !== undefined) {
    const root = m[1];
    if (!ISE_EXCEPTIONS.has(root + 'ise') && !root.endsWith('w') && !isExceptionPrefix(root)) {
      return root + 'iz' + m[2];
    }
  }
  m = YSE_FORM.exec(w);
  if (m && m[1] !== undefined && m[2] !== undefined && m[1].length >= 3) return m[1] + 'z' + m[2];
  m = OUR_FORM.exec(w);
  if (m && m[1] !== undefined) return m[1] + 'r' + (m[2] ?? '');
  m = TRE_FORM.exec(w);
  if (m && m[1] !== undefined) return m[1] + 'er' + (m[2] === 'd' ? 'ed' : (m[2] ?? ''));
  m = DOUBLE_L_FORM.exec(w);
  if (m && m[1] !== undefined && m[2] !== undefined) return m[1] + m[2];
  m = ENDING_OGUE.exec(w);
  if (m && m[1] !== undefined) return m[1] + (m[2] === 's' ? 's' : m[2] === 'd' ? 'ed' : '');
  if (AE_PREFIX.test(w)) return w.replace(/^(h|p|leuk|an|)(a)e/, '$1e').replace(/^oe/, 'e');
  if (w.startsWith('sulph')) return 'sulf' + w.slice(5);
  return w;
}

// Compounds of exception words ("disadvise", "overexercise") and the -wise family ("otherwise").
function isExceptionPrefix(root: string): boolean {
  for (const e of ['advis', 'promis', 'exercis', 'compromis', 'surpris', 'supervis', 'revis', 'devis', 'rais']) {
    if ((root + 'is').endsWith(e)) return true;
  }
  return false;
}
