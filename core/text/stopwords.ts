// Words that carry no meaning for matching. Checked on the lowercase, spelling-folded word (before
// stemming) so that e.g. "based" can be filler while "base" (pH base addition) is kept.

const ENGLISH = `a about above after again against all almost along already also although always am among an and
another any anyone anything are around as at be became because become becomes been before being below
between both but by can cannot could did do does doing done down during each either else enough etc even
ever every few for from further had has have having he her here hers herself him himself his how however i
if in into is it its itself just least less let like made make makes many may me might more most much must
my myself neither no nor not now of off often on once one only onto or other others otherwise ought our
ours ourselves out over own per perhaps quite rather same several shall she should since so some such than
that the their theirs them themselves then there therefore these they this those though through thus to
too toward towards under until up upon us very via was we well were what whatever when whenever where
whereas whether which while who whom whose why will with within without would yet you your yours
yourself yourselves eg ie e.g i.e vs versus`;

// Generic words of posts in this marketplace: who is asking, politeness, marketing and time filler.
// Not here on purpose: process, data, system, product, manufacturing, quality (common but meaningful;
// BM25's idf discounts them), solution (a buffer or antibody solution is meaningful).
const DOMAIN_FILLER = `need needs needed needing want wants wanted wish seek seeks seeking sought look looks looking
require requires required requirement requirements ideally currently today new existing also able ability
abilities partner partners partnering partnership partnerships collaborate collaborating collaboration
collaborations collaborator collaborators welcome welcomed interested interest offer offers offered
offering offerings provide provides provided providing provider providers help helps helping helped
support supports supported supporting company companies group groups team teams organization
organizations customer customers client clients experience experienced expertise proven leading
innovative novel best include includes including included use used uses using based approach approaches
option options way ways get gets getting take takes taking find finding found work working works worked
year years month months week weeks day days hour hours time times first second third two three four five
several various different number numbers many range example examples typically roughly approximately
around about especially particularly mainly mostly always often already still good better great strong
real well key major important make making ensure ensuring able available availability allow allows
enable enables enabling possible potential potentially opportunity opportunities interest area areas
field fields goal goals aim aims plan plans planned project projects stage stages start
starting begin beginning whole end per today's cannot can't
raise raises raised raising improve improves improved improving improvement improvements increase increases
increased increasing enhance enhances enhanced enhancing boost boosts boosted boosting reduce reduces reduced
reducing decrease decreases decreased decreasing cut cuts cutting lower lowers lowered lowering shorten
shortens shortened shortening accelerate accelerates accelerated accelerating speed speeds speeding faster
quicker quickly better easier simpler gentler cheaper fewer greater higher larger smaller bigger
move moves moved moving run runs ran running define defines defined defining show shows showed shown
demonstrate demonstrates demonstrated demonstrating perform performs performed performing carry carries
carried keep keeps kept hold holds held bring brings brought give gives given giving put puts go goes
going gone come comes came call called known become becomes remain remains remained stay stays stayed
apply applies applied applying suitable typical typically specific specifically similar like likely
certain currently recently mean means meaning whose already every various per additional further`;

export const STOP_WORDS: ReadonlySet<string> = new Set(
  (ENGLISH + ' ' + DOMAIN_FILLER).split(/\s+/).filter((w) => w.length > 0),
);

export function isStopWord(folded: string): boolean {
  return STOP_WORDS.has(folded);
}
