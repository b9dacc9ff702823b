import numpy as np, pandas as pd, semopy, time, sys
from dimios import synthetic, instrument
inst=instrument.load(); pids=list(inst.principle_ids)
P = synthetic.params()
for kv in sys.argv[1:]:
    k,v = kv.split('='); ks=k.split('.'); d=P
    for kk in ks[:-1]: d=d[kk]
    d[ks[-1]]=float(v)
pan = synthetic.generate()
r=pan.responses
yrs = r.groupby('organisation_id').year.nunique()
print('orgs', r.organisation_id.nunique(), 'years per org', yrs.value_counts().sort_index().to_dict())
X = r[pids].dropna()
def alpha(df):
    k=df.shape[1]; v=df.var(ddof=1); t=df.sum(axis=1).var(ddof=1); return k/(k-1)*(1-v.sum()/t)
print('alpha all', round(alpha(X),3), {d: round(alpha(X[list(inst.principles_in(d))]),3) for d in ['digital_formaga','digitalt_arv']})
desc = '\n'.join(f"{c} =~ " + ' + '.join(items) for c, items in inst.category_items().items())
m = semopy.Model(desc); m.fit(X)
st = semopy.calc_stats(m)
N=len(X); chi2=st['chi2'].iloc[0]; df=st['DoF'].iloc[0]
print('chi2',round(chi2),'df',df,'CFI',round(st['CFI'].iloc[0],3),'RMSEA(N)',round(np.sqrt(max(chi2-df,0)/(df*N)),4))
obs = m.vars['observed']
S = np.cov(X[obs].values.T, ddof=0)
Sig = m.calc_sigma()[0]
d = np.sqrt(np.diag(S)); ds=np.sqrt(np.diag(Sig))
R = S/np.outer(d,d); Rh = Sig/np.outer(ds,ds)
iu = np.triu_indices(len(obs))
print('SRMR', round(np.sqrt(np.mean((R-Rh)[iu]**2)),4))
est = m.inspect(std_est=True)
ld = est[(est.op=='~') & est.rval.isin(inst.category_items().keys())]
print('AVE', {c: round((ld[ld.rval==c]['Est. Std'].astype(float)**2).mean(),3) for c in inst.category_items()})
