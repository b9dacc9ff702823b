import numpy as np, pandas as pd
from dimios import synthetic, scoring, instrument
inst=instrument.load(); pids=list(inst.principle_ids)
pan = synthetic.generate()
org = scoring.organisation_scores(pan.responses)
t = pan.organisations.set_index(['organisation_id','year'])[pids].sort_index()
lv_r = scoring.to_levels(org[pids]); lv_t = scoring.to_levels(t)
bad = (lv_r != lv_t.reindex(lv_r.index))
idx = np.argwhere(bad.fillna(True).values)
for i,j in idx[:10]:
    o = lv_r.index[i]; p = pids[j]
    sub = pan.responses[(pan.responses.organisation_id==o[0])&(pan.responses.year==o[1])]
    car = sub.respondent_id.isin(pan.truth.respondent_id)
    print(o,p,'target',round(t.loc[o,p],2),'real',round(org.loc[o,p],2), 'n',len(sub),'valid',sub[p].notna().sum(),'careless',car.sum(), sub[p].values)
