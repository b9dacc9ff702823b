import time
t=time.time()
from dimios import synthetic, scoring, spread, paths
pan = synthetic.generate()
print('gen s', time.time()-t, pan.responses.shape, pan.truth.shape)
r = pan.responses
org = scoring.organisation_scores(r)
tab = spread.spread_table(org)
cmp = spread.compare(tab, spread.read_published(paths.PUBLISHED_SPREAD))
print('exact', (cmp.difference==0).mean(), 'max', cmp.difference.abs().max())
print(cmp[cmp.difference!=0].head(20))
import numpy as np
inst=__import__('dimios.instrument',fromlist=['x']).load()
m = org.groupby(level='year')[list(inst.principle_ids)].mean()
ch = m.loc[2023]-m.loc[2020]
for pid in inst.principle_ids:
    cls = 'negative' if ch[pid]< -2 else 'positive' if ch[pid]>2 else 'stable'
    print(pid, round(ch[pid],2), cls, synthetic.published_trend_class(pid), '' if cls==synthetic.published_trend_class(pid) else 'MISMATCH')
print(org.groupby(level='year').size())
print(r.groupby('year').size(), r.organisation_id.nunique())
print('all answered share', r[list(inst.principle_ids)].notna().all(axis=1).mean())
